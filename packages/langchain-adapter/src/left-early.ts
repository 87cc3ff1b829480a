import type { RunRecord } from './open-runs.ts';

/** Whether the run, or a run it is part of, is the stream of a caller who stopped reading it. */
export function leftEarly(record: RunRecord): boolean {
  for (let current: RunRecord | undefined = record; current !== undefined; current = current.parent) {
    if (current.scope?.abandoned === true) return true;
  }
  return false;
}

/**
 * An abort: DOM's `AbortError`, the SDKs' user-abort errors, and the plain errors LangChain
 * integrations throw for one (`Error('Abort')` from LangGraph, `Error('AbortError')` from
 * `@langchain/openai`).
 */
export function isCancellation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'AbortError' || error.name === 'APIUserAbortError' || error.constructor.name === 'APIUserAbortError') return true;
  return error.name === 'Error' && (error.message === 'Abort' || error.message === 'AbortError');
}
