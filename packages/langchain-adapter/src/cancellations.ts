/**
 * Cancellations in LangChain runs: which errors are one (core's, plus the plain errors LangChain
 * integrations throw), and how a failed run is marked.
 */
import type { Span } from '@opentelemetry/api';
import { isCancellation, markCancelled, markError } from '@runproof/core/adapter';

/**
 * Marks a failed run's span: a cancellation (an `AbortSignal`, LangChain's own abort errors) as
 * `error.type=cancelled`, as the OpenAI adapter does; anything else as core's `markError`.
 * Returns the error type.
 */
export function markFailure(span: Span, error: unknown, options?: { quotesContent?: boolean }): string {
  return isLangChainCancellation(error) ? markCancelled(span, error) : markError(span, error, options);
}

/**
 * Whether `error` is a cancellation: core's, or one of the plain errors LangChain integrations
 * throw for one (`Error('Abort')` from LangGraph, `Error('AbortError')` from `@langchain/openai`).
 */
export function isLangChainCancellation(error: unknown): boolean {
  if (isCancellation(error)) return true;
  return (
    error instanceof Error && error.name === 'Error' && (error.message === 'Abort' || error.message === 'AbortError')
  );
}
