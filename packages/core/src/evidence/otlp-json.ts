import { ATTR_SERVICE_NAME } from '../semconv.ts';
import type { TraceSpan } from './trace-span.ts';
import { normalizeId } from './trace-span.ts';

interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}
interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number | string | null;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  bytesValue?: string;
}
interface OtlpSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  attributes?: OtlpKeyValue[];
  events?: { name?: string; attributes?: OtlpKeyValue[] }[];
  links?: { traceId?: string; spanId?: string }[];
  status?: { code?: number | string; message?: string };
}
interface OtlpResourceSpans {
  resource?: { attributes?: OtlpKeyValue[] };
  scopeSpans?: { spans?: OtlpSpan[] }[];
  /** Older OTLP JSON (before 0.19) named scope spans so. */
  instrumentationLibrarySpans?: { spans?: OtlpSpan[] }[];
}

/** The spans of one OTLP JSON document (`{ resourceSpans: [...] }`). */
export function readOtlpDocument(document: { resourceSpans?: unknown }, source: string): TraceSpan[] {
  const spans: TraceSpan[] = [];
  for (const resourceSpans of (document.resourceSpans ?? []) as OtlpResourceSpans[]) {
    const service = readAttributes(resourceSpans.resource?.attributes)[ATTR_SERVICE_NAME];
    for (const scopeSpans of [
      ...(resourceSpans.scopeSpans ?? []),
      ...(resourceSpans.instrumentationLibrarySpans ?? []),
    ]) {
      for (const span of scopeSpans.spans ?? [])
        spans.push(readSpan(span, typeof service === 'string' ? service : null, source));
    }
  }
  return spans;
}

function readSpan(span: OtlpSpan, service: string | null, source: string): TraceSpan {
  const parent = normalizeId(span.parentSpanId, 8);
  const read: TraceSpan = {
    traceId: normalizeId(span.traceId, 16),
    spanId: normalizeId(span.spanId, 8),
    parentSpanId: parent === '' ? null : parent,
    name: span.name ?? '',
    status: readStatus(span.status?.code),
    attributes: readAttributes(span.attributes),
    events: (span.events ?? []).map((event) => ({
      name: event.name ?? '',
      attributes: readAttributes(event.attributes),
    })),
    links: (span.links ?? []).map((link) => ({
      traceId: normalizeId(link.traceId, 16),
      spanId: normalizeId(link.spanId, 8),
    })),
    service,
    startMicros: micros(span.startTimeUnixNano),
    endMicros: micros(span.endTimeUnixNano),
    source,
  };
  if (span.status?.message) read.statusMessage = span.status.message;
  return read;
}

function readStatus(code: number | string | undefined): TraceSpan['status'] {
  if (code === 2 || code === 'STATUS_CODE_ERROR') return 'error';
  if (code === 1 || code === 'STATUS_CODE_OK') return 'ok';
  return 'unset';
}

function micros(nanos: string | number | undefined): number {
  try {
    return nanos === undefined ? 0 : Number(BigInt(nanos) / 1000n);
  } catch {
    return 0;
  }
}

/**
 * OTLP attributes as a plain record. An int64 is read as a number, beyond 2^53 too: the process that
 * signed it held it as one (a Collector or Jaeger writes the exact int64 the protobuf exporter sent,
 * `1152921504606846976` for the double the process printed as `1152921504606847000`). A double
 * JSON could not hold (written `null`) is read as NaN.
 */
export function readAttributes(list: OtlpKeyValue[] | undefined): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) {
    const read = readValue(value);
    if (read !== undefined) attributes[key] = read;
  }
  return attributes;
}

function readValue(value: OtlpAnyValue | undefined): unknown {
  if (value === undefined || value === null) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue === null ? NaN : Number(value.doubleValue);
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map((item) => readValue(item) ?? null);
  if (value.kvlistValue !== undefined) return readAttributes(value.kvlistValue.values);
  if (value.bytesValue !== undefined) return value.bytesValue;
  return undefined;
}
