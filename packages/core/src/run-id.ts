import { randomBytes } from 'node:crypto';

/**
 * A new run id: a UUIDv7 (RFC 9562), so ids sort by creation time and index well in any backend.
 *
 * @example
 * createRunId() // '019a4f2e-8c1d-7b3a-9f00-6a1c2d3e4f50'
 */
export function createRunId(): string {
  const bytes = randomBytes(16);
  const now = Date.now();
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
