import { parseArgs } from 'node:util';
import { isBaselineStore } from '../continuity/baselines.ts';
import { openStore } from '../continuity/open-store.ts';
import { parseStoreUrl } from '../continuity/store-url.ts';
import { formatInventory, inventoryJson } from './inventory-format.ts';
import { inventoryOfBaselines } from './inventory-store.ts';
import { inventoryOfSpans, type InventorySpan } from './inventory-traces.ts';

export const INVENTORY_USAGE = 'runproof inventory <traces…> | --store URL  [--since 7d] [--json]';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * The start of the window `--since` names: a duration back from `now` (`30m`, `12h`, `7d`, `2w`) or
 * an ISO 8601 time. Throws naming what was expected.
 *
 * @example
 * sinceOf('7d', Date.parse('2026-12-08T00:00:00Z')) // Date.parse('2026-12-01T00:00:00Z')
 */
export function sinceOf(text: string, now: number): number {
  const duration = /^(\d+)([mhdw])$/.exec(text);
  if (duration !== null) return now - Number(duration[1]) * UNITS[duration[2]!]!;
  const time = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time))
    throw new Error(`--since must be a duration (30m, 12h, 7d, 2w) or an ISO 8601 time, got ${JSON.stringify(text)}`);
  return time;
}

/**
 * `runproof inventory`: what each workflow and step depends on — providers, requested and resolved
 * models, system fingerprints, instrumented libraries and SDK versions, tools and schema digests —
 * with first and last sightings and the changes in the window, from trace files (OTLP JSON, Jaeger
 * API JSON; `readSpans` reads one) or from the store's drift baselines (`--store`, else
 * `RUNPROOF_STORE` when no file is given). Returns the exit code: 0, or 2 for bad arguments.
 */
export async function inventoryCommand(
  operands: string[],
  io: { write(text: string): void; readSpans(path: string): InventorySpan[]; now?: number },
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: operands,
    allowPositionals: true,
    options: { store: { type: 'string' }, since: { type: 'string' }, json: { type: 'boolean' } },
  });
  const since = values.since === undefined ? null : sinceOf(values.since, io.now ?? Date.now());
  const storeUrl = values.store ?? (positionals.length === 0 ? process.env.RUNPROOF_STORE : undefined);
  if ((positionals.length === 0) === (storeUrl === undefined) || (values.store !== undefined && positionals.length > 0))
    throw new Error(`usage: ${INVENTORY_USAGE}`);

  if (storeUrl !== undefined) {
    const store = await openStore(storeUrl, { field: values.store === undefined ? 'RUNPROOF_STORE' : '--store' });
    try {
      if (!isBaselineStore(store)) throw new Error(`the ${store.kind} store keeps no drift baselines`);
      const inventory = inventoryOfBaselines(await store.listBaselines(since === null ? {} : { since }), since);
      io.write(
        values.json === true
          ? inventoryJson(inventory)
          : formatInventory(inventory, `the drift baselines in ${parseStoreUrl(storeUrl).displayName}`),
      );
    } finally {
      await store.close();
    }
    return 0;
  }
  const inventory = inventoryOfSpans(
    positionals.flatMap((path) => io.readSpans(path)),
    since,
  );
  io.write(values.json === true ? inventoryJson(inventory) : formatInventory(inventory, positionals.join(', ')));
  return 0;
}
