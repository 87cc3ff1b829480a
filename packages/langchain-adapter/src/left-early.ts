import { isCancellation } from '@runproof/core/adapter';
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

function isLangChainCancellation(error: unknown): boolean {
  if (isCancellation(error)) return true;
  return error instanceof Error && error.name === 'Error' && (error.message === 'Abort' || error.message === 'AbortError');
}
