import { getDurability } from '../continuity/durability.ts';
import { globalSlot } from '../internal/global.ts';
import { safely } from '../safely.ts';
import { SharedBaselines } from './shared-baselines.ts';

/** What a subject is, kept in the store beside its values (for `runproof inventory --store`). */
export interface SubjectDescription {
  /** A model or tool `call`, a `checkpoint`'s input, a `step`'s declared input. */
  on: 'call' | 'checkpoint' | 'step';
  /** The run name it was made in, when inside a run. */
  workflow?: string | undefined;
  /** The step path it was made in (a call), or the step's own path (a step). */
  step?: string | undefined;
  /** The checkpoint's name. */
  name?: string | undefined;
  provider?: string | undefined;
  operation?: string | undefined;
  /** The requested model, or the tool name. */
  target?: string | undefined;
  library?: string | undefined;
  adapter?: string | undefined;
  toolsDigest?: string | undefined;
  schemaDigest?: string | undefined;
}

const slot = globalSlot<{ engine: SharedBaselines | undefined }>('drift-shared-baselines', () => ({
  engine: undefined,
}));

/**
 * The fleet's baselines, when a store is configured (`start({ store })`, `RUNPROOF_STORE`);
 * `undefined` without one: drift is then judged per process, as it always was. A store configured
 * anew (a later `start()`) gets a new cache.
 */
export function sharedBaselines(): SharedBaselines | undefined {
  const durability = getDurability();
  if (!durability.configured) return undefined;
  if (slot.engine?.durability !== durability) {
    // The store it used is being closed (configureDurability closes the one replaced).
    slot.engine?.stop();
    slot.engine = new SharedBaselines(durability);
  }
  return slot.engine;
}

/**
 * Starts loading the baselines of the subjects the store saw recently (once), so the first calls of
 * a new process compare with the fleet's. Resolves when they are in or the store failed; at once
 * without a store. Never rejects. `start()` calls it.
 */
export function preloadDriftBaselines(): Promise<void> {
  return safely('preparing drift baselines', undefined, () => sharedBaselines()?.preload()) ?? Promise.resolve();
}

/**
 * {@link preloadDriftBaselines}, waited for at most `waitMillis`: what `--import
 * @runproof/core/register` waits before the app starts, so even its very first calls are compared
 * with the fleet's baselines (the hot path itself never waits for the store).
 */
export async function waitForDriftBaselines(waitMillis: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    preloadDriftBaselines(),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMillis))),
  ]);
  clearTimeout(timer);
}

/** Writes the observations not yet written (at shutdown: the caller bounds the wait). Never rejects. */
export async function flushDriftBaselines(): Promise<void> {
  await safely('flushing drift baselines', undefined, () => slot.engine?.flush())?.catch(() => undefined);
}

/**
 * For `reportCall`: the call about to be made is a subject of the fleet's baselines; its
 * description is kept with it the first time. Nothing without a store.
 */
export function noteCall(fingerprint: string, describe: () => SubjectDescription): void {
  if (fingerprint === '') return;
  sharedBaselines()?.note(fingerprint, () => JSON.stringify(describe()));
}
