import { context, createContextKey, type Context } from '@opentelemetry/api';

/**
 * Marks the context a model call's request runs in. Its value is the call (a {@link CallAttempts}),
 * so the per-attempt HTTP hook can count the SDK's retries, and a nested `create` (one of our
 * wrappers calling another) knows the call is already recorded. A `Symbol.for` key, so two copies
 * of the adapter agree.
 */
export const CALL_KEY = createContextKey('@runproof/openai-adapter:call');

/** What the per-attempt hook updates on the call in progress. */
export interface CallAttempts {
  attempts: number;
  /** The first attempt's request body, as the SDK serialized it. */
  noteRequestBody(body: unknown): void;
}

/** The model call whose request is running in `callContext`, if any. */
export function activeCall(callContext: Context = context.active()): CallAttempts | undefined {
  return callContext.getValue(CALL_KEY) as CallAttempts | undefined;
}
