/** Narrowing for parsed JSON request bodies. */

/** Whether a parsed JSON value is an object (not null, not an array). */
export function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
