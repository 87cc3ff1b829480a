/**
 * Cancellations in LangChain runs: which errors are one (core's, plus the plain errors LangChain
 * integrations throw), what leaving a stream early means, and how a failed run is marked.
 */
import type { Span } from '@opentelemetry/api';
import { isCancellation, markCancelled, markError } from '@runproof/core/adapter';
import type { RunRecord } from './open-runs.ts';

/**
 * Whether `error` is the stream closing rather than a failure: a cancellation (core's, plus the
 * plain errors LangChain integrations throw for one: `Error('Abort')` from LangGraph,
 * `Error('AbortError')` from `@langchain/openai`) of a run that is, or is part of, a stream whose
 * caller stopped reading it.
 */
export function cancelledByLeaving(record: RunRecord, error: unknown): boolean {
  return isLangChainCancellation(error) && leftEarly(record);
}

function leftEarly(record: RunRecord): boolean {
  for (let current: RunRecord | undefined = record; current !== undefined; current = current.parent) {
    if (current.scope?.abandoned === true) return true;
  }
  return false;
}

/**
 * Marks a failed run's span: a cancellation (an `AbortSignal`, LangChain's own abort errors) as
 * `error.type=cancelled`, as the OpenAI adapter does; anything else as core's `markError`.
 * Returns the error type.
 */
export function markFailure(span: Span, error: unknown, options?: { quotesContent?: boolean }): string {
  return isLangChainCancellation(error) ? markCancelled(span, error) : markError(span, error, options);
}

function isLangChainCancellation(error: unknown): boolean {
  if (isCancellation(error)) return true;
  return error instanceof Error && error.name === 'Error' && (error.message === 'Abort' || error.message === 'AbortError');
}
