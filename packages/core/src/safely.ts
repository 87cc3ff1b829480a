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

/**
 * Logs a warning through `diag` the first time `key` is seen: printed only when the app set up a
 * diag logger (`OTEL_LOG_LEVEL`), as OpenTelemetry users expect. For what a person must not miss,
 * use {@link warnLoudly}.
 */
export function warnOnce(key: string, message: string): void {
  if (firstTime(key)) diag.warn(message);
}

/**
 * Prints `message` on stderr the first time `key` is seen, whether or not a diag logger is set
 * (`OTEL_LOG_LEVEL` unset, the default, prints nothing through `diag`). Use it only for what must
 * reach a person: a safety feature that is off (a boundary not enforced, content capture without
 * its redact hook), a policy that does not apply or is dropped, telemetry that is all lost (a
 * backend never reached, an unwritable trace file). Everything else goes through {@link warnOnce}.
 * Written synchronously, so it is printed even when the process exits right after; it does not
 * also go through `diag`, so it is never printed twice. Start `message` with `runproof: ` and say
 * what to do about it; keep keys low-cardinality (the first 1,000 keys are remembered).
 *
 * @example
 * warnLoudly(`policy-unused:${name}`, `runproof: policy "${name}" matches no run name; fix the key or the run name.`);
 */
export function warnLoudly(key: string, message: string): void {
  if (!firstTime(`loud:${key}`)) return;
  try {
    process.stderr.write(`${message.replace(/\n+$/, '')}\n`);
  } catch {
    // stderr closed: nothing more can be done for this warning.
  }
}
