import { warnOnce } from '@runproof/core/adapter';

/**
 * Marks a Runproof wrapper; its value is the wrapper's {@link PatchRecord}. A `Symbol.for` key, so
 * two copies of the adapter recognise each other's wrappers and never wrap twice.
 */
export const RUNPROOF_PATCH = Symbol.for('@runproof/openai-adapter:patch');

/** What a Runproof wrapper replaced on its target, and whether it is still in force. */
export interface PatchRecord {
  readonly target: object;
  readonly name: string;
  /** The SDK method, for messages, e.g. `chat.completions.create`. */
  readonly method: string;
  /** The function the wrapper calls: the SDK's own method, with other instrumentations' wrappers peeled off. */
  readonly original: Function;
  /** What was on the target before (restored by `unpatch`). */
  readonly replaced: Function;
  /** The installed wrapper. */
  wrapper: Function;
  active: boolean;
}

/** The shape shimmer gives a wrapper: what `@opentelemetry/instrumentation`'s `_wrap` installs. */
interface ShimmerWrapped {
  __wrapped?: unknown;
  __original?: unknown;
}

/** The Runproof patch record of `value`, when it is one of our wrappers. */
export function patchRecordOf(value: unknown): PatchRecord | undefined {
  return typeof value === 'function'
    ? (value as unknown as Record<symbol, PatchRecord | undefined>)[RUNPROOF_PATCH]
    : undefined;
}

/**
 * Whether `value` is another instrumentation's wrapper: a function shimmer wrapped
 * (`__wrapped: true` and an `__original` function) that is not ours. That is how
 * `@opentelemetry/instrumentation-openai` (and Traceloop's and OpenInference's) patch
 * `Completions.prototype.create`.
 *
 * @example
 * isForeignWrapper(Completions.prototype.create) // true when instrumentation-openai is active
 */
export function isForeignWrapper(value: unknown): boolean {
  if (typeof value !== 'function' || patchRecordOf(value) !== undefined) return false;
  const shim = value as ShimmerWrapped;
  return shim.__wrapped === true && typeof shim.__original === 'function';
}

/**
 * Follows `__original` through other instrumentations' wrappers down to the first function that is
 * not one: the SDK's method, or a Runproof wrapper. Calling that instead of the outer wrapper is how
 * each call gets exactly one span.
 */
export function peelForeignWrappers(value: Function): Function {
  let current = value;
  for (let depth = 0; depth < 16 && isForeignWrapper(current); depth++) {
    current = (current as ShimmerWrapped).__original as Function;
  }
  return current;
}

/** Says once, through `diag`, that another instrumentation wrapped `method` and that ours takes over. */
export function warnDoubleInstrumentation(method: string): void {
  warnOnce(
    `double-instrumentation:${method}`,
    `runproof: another instrumentation (likely @opentelemetry/instrumentation-openai) also wraps openai ${method}; ` +
      'Runproof records these calls itself and bypasses the other wrapper so each call has one span. ' +
      'Disable the other one to silence this: OTEL_NODE_DISABLED_INSTRUMENTATIONS=openai with auto-instrumentations-node.',
  );
}
