import { randomUUID } from 'node:crypto';

/**
 * A new run id: a UUIDv7 (RFC 9562), so ids sort by creation time and index well in any backend.
 * Built from `randomUUID()` (which draws from a cached entropy pool): its first 48 bits become the
 * Unix time in milliseconds and its version nibble 7; the variant bits are already RFC 9562's.
 *
 * @example
 * createRunId() // '019a4f2e-8c1d-7b3a-9f00-6a1c2d3e4f50'
 */
export function createRunId(): string {
  const random = randomUUID();
  const time = Date.now().toString(16).padStart(12, '0').slice(-12);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
