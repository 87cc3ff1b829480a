/**
 * A chain run ends, or throws: LangGraph's signals (an interrupt, a handover to the parent graph)
 * and an abandoned stream's cancellation are not failures; the failed tools below it learn whether
 * their failure was handled, and an interrupted thread is remembered for its resume.
 */
import { ATTR_RUNPROOF_STEP_INTERRUPTED } from '@runproof/core/semconv';
import { isAbandonedStreamClosing } from './abandoned-streams.ts';
import { markFailure } from './cancellations.ts';
import { graphSignal, type InterruptedThreads } from './langgraph.ts';
import type { RunRecord } from './open-runs.ts';
import type { ParserFailures } from './parser-failures.ts';
import { settleFailedTools } from './tool-runs.ts';

/** What a chain's end needs from its handler: what tools threw, parser failures, interrupted threads. */
export interface ChainEndState {
  /** Errors tools threw: their messages are content wherever they go. */
  toolErrors: WeakSet<object>;
  parserFailures: ParserFailures;
  threads: InterruptedThreads;
}

/** Ends a chain run's span (`handleChainEnd`, or `handleChainError` with `error`). */
export function endChainRun(record: RunRecord, error: unknown, state: ChainEndState): void {
  // The caller abandoned a stream this run is part of; the cancellation that follows (LangGraph's
  // `Abort`) is the stream closing, not a failure: the span ends as an abandoned stream's does.
  // Any other error is still one.
  if (isAbandonedStreamClosing(record, error)) error = undefined;
  // LangGraph's signals (an interrupt, a handover to the parent graph) pass through runs that did not fail.
  const signal = error === undefined ? undefined : graphSignal(error);
  if (signal === 'interrupt') {
    for (let ancestor: RunRecord | undefined = record; ancestor !== undefined; ancestor = ancestor.parent)
      ancestor.interrupted = true;
  } else if (error !== undefined && signal === undefined) {
    markFailure(record.span, error, {
      quotesContent: typeof error === 'object' && error !== null && state.toolErrors.has(error),
    });
    state.parserFailures.record(record.span, error);
  }
  if (record.interrupted) record.span.setAttribute(ATTR_RUNPROOF_STEP_INTERRUPTED, true);
  settleFailedTools(record, error === undefined || signal !== undefined);
  state.threads.rememberIfInterrupted(record);
  record.span.end();
}
