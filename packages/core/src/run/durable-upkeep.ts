import { metrics, type MeterProvider } from '@opentelemetry/api';
import type { RunStore } from '../continuity/journal.ts';
import { waitingHandoff } from '../continuity/runs-listing.ts';
import { safely } from '../safely.ts';
import { ATTR_RUNPROOF_HANDOFF_TARGET, ATTR_RUNPROOF_RUN_NAME, METRIC_RUNPROOF_HANDOFFS_WAITING } from '../semconv.ts';
import { SCOPE_OPTIONS } from '../telemetry/scope.ts';
import { VERSION } from '../version.ts';

// What durable runs' stores need besides the runs themselves: the gauge of what waits on a
// handoff, and retention.

const watched = new WeakMap<RunStore, MeterProvider>();

/**
 * The `METRIC_RUNPROOF_HANDOFFS_WAITING` gauge: runs handed off and not yet picked up, by run name and
 * target, read from the store at each metric collection (so every process that uses the store
 * reports the same fleet-wide count). Registered once per store and meter provider.
 */
export function watchWaitingHandoffs(store: RunStore): void {
  const provider = metrics.getMeterProvider();
  if (watched.get(store) === provider) return;
  watched.set(store, provider);
  const gauge = provider
    .getMeter('@runproof/core', VERSION, SCOPE_OPTIONS)
    .createObservableGauge(METRIC_RUNPROOF_HANDOFFS_WAITING, {
      description: 'Durable runs waiting on a handoff, by run name and target (fleet-wide, from the run store).',
      unit: '{run}',
    });
  gauge.addCallback(async (result) => {
    const counts = new Map<string, { name: string; target: string; count: number }>();
    for (const header of await store.list({ status: 'handed_off', limit: 10_000 })) {
      const target = waitingHandoff(header)?.to ?? '';
      const key = `${header.name}\u0000${target}`;
      const entry = counts.get(key) ?? { name: header.name, target, count: 0 };
      entry.count += 1;
      counts.set(key, entry);
    }
    for (const { name, target, count } of counts.values())
      result.observe(count, { [ATTR_RUNPROOF_RUN_NAME]: name, [ATTR_RUNPROOF_HANDOFF_TARGET]: target });
  });
}

const lastCleanup = new WeakMap<RunStore, number>();

/** Retention: at most once an hour per store and process, completed journals older than `retentionMs` are removed, off the run's path. */
export function removeExpiredSoon(store: RunStore, retentionMs: number): void {
  const now = Date.now();
  if (now - (lastCleanup.get(store) ?? 0) < 3600_000) return;
  lastCleanup.set(store, now);
  setImmediate(() => {
    store.removeCompleted(Date.now() - retentionMs).catch((error: unknown) =>
      safely('removing expired run journals', undefined, () => {
        throw error;
      }),
    );
  });
}
