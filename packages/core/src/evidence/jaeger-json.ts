import type { TraceSpan } from './trace-span.ts';
import { normalizeId } from './trace-span.ts';

interface JaegerKeyValue {
  key: string;
  type?: string;
  value: unknown;
}
interface JaegerSpan {
  traceID?: string;
  spanID?: string;
  operationName?: string;
  references?: { refType?: string; traceID?: string; spanID?: string }[];
  startTime?: number;
  duration?: number;
  tags?: JaegerKeyValue[];
  logs?: { timestamp?: number; fields?: JaegerKeyValue[] }[];
  processID?: string;
  process?: { serviceName?: string };
}
interface JaegerTrace {
  traceID?: string;
  spans?: JaegerSpan[];
  processes?: Record<string, { serviceName?: string }>;
}

/**
 * Tags Jaeger adds when it turns an OTLP span into its own model: the span kind, the status, the
 * scope. They are no attributes of the span, and reading them back as such would add attributes
 * it never had.
 */
const JAEGER_TAGS = new Set([
  'span.kind',
  'otel.status_code',
  'otel.status_description',
  'otel.scope.name',
  'otel.scope.version',
  'otel.library.name',
  'otel.library.version',
  'internal.span.format',
  'w3c.tracestate',
]);
/** The log field that carries an OTLP event's name. */
const EVENT_NAME_FIELD = 'event';

/**
 * The spans of Jaeger's classic JSON: `/api/traces` and `/api/traces/{id}` responses (`{ data:
 * [trace, …] }`), what the UI downloads, or one trace. Jaeger's model has no arrays or maps (they
 * arrive as JSON strings), microsecond times, the parent as a `CHILD_OF` reference and links as
 * `FOLLOWS_FROM`, the status as tags, the resource as the process.
 */
export function readJaegerTraces(document: { data?: unknown; spans?: unknown }, source: string): TraceSpan[] {
  const traces = (Array.isArray(document.data) ? document.data : [document]) as JaegerTrace[];
  return traces.flatMap((trace) => (trace.spans ?? []).map((span) => readSpan(span, trace, source)));
}

function readSpan(span: JaegerSpan, trace: JaegerTrace, source: string): TraceSpan {
  const traceId = normalizeId(span.traceID ?? trace.traceID, 16);
  const references = span.references ?? [];
  const parent =
    references.find(
      (reference) => reference.refType === 'CHILD_OF' && normalizeId(reference.traceID, 16) === traceId,
    ) ?? references.find((reference) => reference.refType === 'CHILD_OF');
  const tags = readFields(span.tags);
  const statusCode = tags['otel.status_code'];
  const status: TraceSpan['status'] =
    statusCode === 'ERROR' || (statusCode === undefined && tags.error === true)
      ? 'error'
      : statusCode === 'OK'
        ? 'ok'
        : 'unset';
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(tags)) {
    if (JAEGER_TAGS.has(key) || (key === 'error' && status === 'error' && value === true)) continue;
    attributes[key] = value;
  }
  const service =
    span.process?.serviceName ??
    (span.processID === undefined ? undefined : trace.processes?.[span.processID]?.serviceName);
  const read: TraceSpan = {
    traceId,
    spanId: normalizeId(span.spanID, 8),
    parentSpanId: parent === undefined ? null : normalizeId(parent.spanID, 8),
    name: span.operationName ?? '',
    status,
    attributes,
    events: (span.logs ?? []).map((log) => {
      const { [EVENT_NAME_FIELD]: name, ...fields } = readFields(log.fields);
      return { name: typeof name === 'string' ? name : '', attributes: fields };
    }),
    links: references
      .filter((reference) => reference !== parent)
      .map((reference) => ({ traceId: normalizeId(reference.traceID, 16), spanId: normalizeId(reference.spanID, 8) })),
    service: service ?? null,
    startMicros: span.startTime ?? 0,
    endMicros: (span.startTime ?? 0) + (span.duration ?? 0),
    source,
  };
  const description = tags['otel.status_description'];
  if (typeof description === 'string') read.statusMessage = description;
  return read;
}

function readFields(fields: JaegerKeyValue[] | undefined): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const field of fields ?? []) {
    // An int64 as a number, beyond 2^53 too: the process that signed it held it as one.
    record[field.key] = field.type === 'int64' && typeof field.value === 'string' ? Number(field.value) : field.value;
  }
  return record;
}
