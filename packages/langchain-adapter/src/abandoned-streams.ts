/**
 * Streams the caller abandons: it stops reading (`break`, `return()`) before the end. LangChain
 * sends no end callback then, and its combinators never close the streams beneath them, so the
 * adapter ends the abandoned stream's runs itself; the cancellations that follow are the stream
 * closing, not failures.
 */
import type { RunScope } from './deferred-span.ts';
import { isLangChainCancellation } from './cancellations.ts';
import { endUnfinishedRun, type OpenRuns, type RunRecord } from './open-runs.ts';

/**
 * Ends the run of `scope`, a stream its caller abandoned, and the streams below it that nothing
 * will close: combinators (maps, fallbacks, `assign`) never close their inner streams. A stream
 * below that is suspended is ended now; one with a step in flight is ended when that step settles,
 * unless the step ends its run itself (its real end or error is then kept). Runs that are calls in
 * flight (a model or tool `invoke`) end on their own. A run that ended normally is no longer open,
 * and is left alone.
 */
export function endAbandonedStream(runs: OpenRuns, scope: RunScope): void {
  const runId = scope.runId;
  const root = runs.get(runId);
  if (runId === undefined || root?.scope !== scope) return;
  for (const [id, record] of runs.entries()) {
    const below = record.scope;
    if (below === undefined || id === runId || !isBelow(record, root)) continue;
    const end = (): void => {
      if (runs.get(id) === record) endUnfinishedRun(runs.take(id));
    };
    if (below.pending > 0) {
      // Another tree may already wait on this scope: both ends run (each checks the run is still open).
      const waiting = below.whenIdle;
      below.whenIdle = waiting === undefined ? end : () => (waiting(), end());
    } else {
      end();
    }
  }
  endUnfinishedRun(runs.take(runId));
}

/**
 * Whether `error` is the stream closing rather than a failure: a cancellation (core's, plus the
 * plain errors LangChain integrations throw for one) of a run that is, or is part of, a stream
 * its caller abandoned.
 */
export function isAbandonedStreamClosing(record: RunRecord, error: unknown): boolean {
  return isLangChainCancellation(error) && isInAbandonedStream(record);
}

function isInAbandonedStream(record: RunRecord): boolean {
  for (let current: RunRecord | undefined = record; current !== undefined; current = current.parent) {
    if (current.scope?.abandoned === true) return true;
  }
  return false;
}

function isBelow(record: RunRecord, root: RunRecord): boolean {
  for (let ancestor = record.parent; ancestor !== undefined; ancestor = ancestor.parent)
    if (ancestor === root) return true;
  return false;
}
