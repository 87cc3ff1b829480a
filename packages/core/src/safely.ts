import { diag } from '@opentelemetry/api';

const reported = new Set<string>();

/**
 * Runs instrumentation code that must never throw into the host app. A failure is logged through
 * `diag` once per `where` and `fallback` is returned instead.
 */
export function safely<T>(where: string, fallback: T, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (!reported.has(where)) {
      reported.add(where);
      diag.error(`runproof: ${where} failed; instrumentation continues without it`, error);
    }
    return fallback;
  }
}

/** Logs a warning through `diag` the first time `key` is seen. */
export function warnOnce(key: string, message: string): void {
  if (reported.has(key)) return;
  reported.add(key);
  diag.warn(message);
}
