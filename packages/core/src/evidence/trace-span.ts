import type { LedgerStatus } from './span-digest.ts';

/** A span as a trace file holds it, whatever wrote the file: the shape `verify` and `report` read. */
export interface TraceSpan {
  /** Lowercase hex, 32 characters. */
  traceId: string;
  /** Lowercase hex, 16 characters. */
  spanId: string;
  parentSpanId: string | null;
  name: string;
  status: LedgerStatus;
  statusMessage?: string;
  /** Attribute values as the file gives them: strings, numbers, booleans, arrays, objects. */
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  links: { traceId: string; spanId: string }[];
  /** The `ATTR_SERVICE_NAME` of the process that made it. */
  service: string | null;
  /** Start and end, in microseconds since the epoch (what every format keeps). */
  startMicros: number;
  endMicros: number;
  /** The file it was read from. */
  source: string;
}

/**
 * A trace or span id as lowercase hex of `bytes` bytes: hex as OTLP JSON writes it, base64 as
 * protobuf's JSON mapping (and some Jaeger versions) writes it, or hex without its leading zeros.
 */
export function normalizeId(id: unknown, bytes: 8 | 16): string {
  if (typeof id !== 'string' || id === '') return '';
  if (/^[0-9a-fA-F]+$/.test(id) && id.length <= bytes * 2) return id.toLowerCase().padStart(bytes * 2, '0');
  const decoded = Buffer.from(id, 'base64');
  return decoded.length === bytes ? decoded.toString('hex') : id.toLowerCase();
}
