import { scrub } from './store-url.ts';

/**
 * `error` with `secrets` (a store URL's password and secret parameters) replaced by `***` in its message and stack, and in
 * those of its causes and aggregated errors, changed in place so its class and `code` stay what the
 * client made them. For errors a store client throws, whose messages the store does not write.
 */
export function scrubError(error: unknown, secrets: readonly string[], seen = new Set<Error>()): unknown {
  if (secrets.length === 0 || !(error instanceof Error) || seen.has(error)) return error;
  seen.add(error);
  error.message = scrub(error.message, secrets);
  if (error.stack !== undefined) error.stack = scrub(error.stack, secrets);
  if (error instanceof AggregateError) for (const inner of error.errors) scrubError(inner, secrets, seen);
  scrubError(error.cause, secrets, seen);
  return error;
}
