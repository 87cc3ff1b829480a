import { diag } from '@opentelemetry/api';

/** Keys already reported; capped, since some keys name data (a model, a schema digest). */
const reported = new Set<string>();
const MAX_REPORTED = 1_000;

function firstTime(key: string): boolean {
  if (reported.has(key)) return false;
  if (reported.size < MAX_REPORTED) reported.add(key);
  return true;
}

/**
 * Runs instrumentation code that must never throw into the host app. A failure is logged through
 * `diag` once per `where` and `fallback` is returned instead.
 */
export function safely<T>(where: string, fallback: T, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (firstTime(where)) {
      diag.error(`runproof: ${where} failed; instrumentation continues without it`, error);
    }
    return fallback;
  }
}

/** Logs a warning through `diag` the first time `key` is seen. */
export function warnOnce(key: string, message: string): void {
  if (firstTime(key)) diag.warn(message);
}
