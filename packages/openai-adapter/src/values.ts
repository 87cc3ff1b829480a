/**
 * Reading the untyped values of SDK requests and responses: a field is used only when it has the
 * type expected, so an unexpected response never breaks the instrumentation.
 */

/** `value` when it is a finite number. */
export function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** `value` when it is a non-empty string. */
export function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `value` as a record, or `undefined`. */
export function recordOr(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
