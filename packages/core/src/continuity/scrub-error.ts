import { scrub } from './store-url.ts';

/**
 * `error` with `secret` (a store URL's password) replaced by `***` in its message and stack, and in
 * those of its causes and aggregated errors, changed in place so its class and `code` stay what the
 * client made them. For errors a store client throws, whose messages the store does not write.
 */
export function scrubError(error: unknown, secret: string, seen = new Set<Error>()): unknown {
  if (secret === '' || !(error instanceof Error) || seen.has(error)) return error;
  seen.add(error);
  error.message = scrub(error.message, secret);
  if (error.stack !== undefined) error.stack = scrub(error.stack, secret);
  if (error instanceof AggregateError) for (const inner of error.errors) scrubError(inner, secret, seen);
  scrubError(error.cause, secret, seen);
  return error;
}
