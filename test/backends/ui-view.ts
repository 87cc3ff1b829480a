/**
 * How Jaeger's UI JSON (`/api/traces`) shows an exported span, written out from what we found the
 * real Jaeger do, so a test can compare every span it shows with the span that was exported:
 *
 * - the parent is a `CHILD_OF` reference; each link a `FOLLOWS_FROM` reference, without the
 *   link's attributes (the UI's model has no place for them; `/api/v3` keeps them);
 * - times are whole microseconds (the nanoseconds are cut);
 * - strings, bools, int64s and doubles keep their type; an array becomes a string, its JSON
 *   (`["amount"]`), and a tag search matches that string;
 * - the span kind is the tag `span.kind` (`client`, `internal`…); the scope is `otel.scope.name`
 *   and `otel.scope.version`; an error status is `error=true`, `otel.status_code=ERROR` and
 *   `otel.status_description`;
 * - each event is a log whose first field is `event`, its name;
 * - the resource is the trace's process: `service.name` is its service name, the rest its tags;
 * - a span that starts before its parent or ends after it gets a clock-skew warning when the query
 *   service shows a stored trace (it leaves the times alone); `/api/transform`, which converts an
 *   uploaded file, adds no warnings. With the OpenTelemetry JS SDK that happens when a span ends within
 *   a millisecond of its parent: the SDK starts spans at `Date.now()`, whole milliseconds, and
 *   ends them a precisely measured duration later, so each end is early by its start's lost
 *   fraction of a millisecond.
 */
import type { UiKeyValue, UiSpan, UiTrace } from './jaeger-api.ts';
import { plainValue, type Attributes, type Span, type Value } from './otlp-spans.ts';

const KINDS = ['', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS_CODES = ['', 'OK', 'ERROR'];

/** What the UI shows of a span, in a form two spans can be compared in. */
export interface UiView {
  spanID: string;
  operationName: string;
  references: UiSpan['references'];
  startTime: number;
  duration: number;
  tags: UiKeyValue[];
  logs: { timestamp: number; fields: UiKeyValue[] }[];
  serviceName: string;
  processTags: UiKeyValue[];
  warnings: string[] | null;
}

function keyValue(key: string, value: Value): UiKeyValue {
  if ('string' in value) return { key, type: 'string', value: value.string };
  if ('bool' in value) return { key, type: 'bool', value: value.bool };
  if ('int' in value) return { key, type: 'int64', value: Number(value.int) };
  if ('double' in value) return { key, type: 'float64', value: value.double };
  return { key, type: 'string', value: JSON.stringify(plainValue(value)) };
}

const sorted = (values: UiKeyValue[]) => [...values].sort((a, b) => a.key.localeCompare(b.key));
const tagsOf = (attributes: Attributes) => Object.entries(attributes).map(([key, value]) => keyValue(key, value));
const micros = (nanos: string) => Number(BigInt(nanos) / 1000n);

/** The warning a span that sticks out of its parent gets (the delta it did not apply varies). */
export const CLOCK_SKEW_WARNING = 'clock skew adjustment disabled; not applying calculated delta of <delta>';

function sticksOut(span: Span, parent: Span | undefined): boolean {
  if (parent === undefined) return false;
  const [start, end, parentStart, parentEnd] = [
    span.startTimeUnixNano,
    span.endTimeUnixNano,
    parent.startTimeUnixNano,
    parent.endTimeUnixNano,
  ].map(BigInt) as [bigint, bigint, bigint, bigint];
  // Jaeger's clock-skew check: a child longer than its parent only counts when it starts first.
  if (end - start > parentEnd - parentStart) return start < parentStart;
  return start < parentStart || end > parentEnd;
}

/**
 * The UI's view of exported spans, by the rules above: as the query service shows them once
 * stored, or (`stored: false`) as `/api/transform` converts a file.
 */
export function expectedUiViews(spans: Span[], options: { stored: boolean } = { stored: true }): UiView[] {
  const byId = new Map(spans.map((span) => [`${span.traceId}/${span.spanId}`, span]));
  return spans.map((span) =>
    expectedUiView(span, options.stored ? byId.get(`${span.traceId}/${span.parentSpanId}`) : undefined),
  );
}

/** `parent`: the span's parent when the view warns about clock skew. */
function expectedUiView(span: Span, parent: Span | undefined): UiView {
  const tags = tagsOf(span.attributes);
  if (span.scope.name !== '') tags.push({ key: 'otel.scope.name', type: 'string', value: span.scope.name });
  if (span.scope.version !== '') tags.push({ key: 'otel.scope.version', type: 'string', value: span.scope.version });
  if (span.kind > 0) tags.push({ key: 'span.kind', type: 'string', value: KINDS[span.kind]! });
  if (span.status.code > 0)
    tags.push({ key: 'otel.status_code', type: 'string', value: STATUS_CODES[span.status.code]! });
  if (span.status.code === 2) tags.push({ key: 'error', type: 'bool', value: true });
  if (span.status.message !== '')
    tags.push({ key: 'otel.status_description', type: 'string', value: span.status.message });
  const { 'service.name': service, ...resource } = span.resource;
  return {
    spanID: span.spanId,
    operationName: span.name,
    references: [
      ...(span.parentSpanId === ''
        ? []
        : [{ refType: 'CHILD_OF' as const, traceID: span.traceId, spanID: span.parentSpanId }]),
      ...span.links.map((link) => ({ refType: 'FOLLOWS_FROM' as const, traceID: link.traceId, spanID: link.spanId })),
    ],
    startTime: micros(span.startTimeUnixNano),
    duration: micros(span.endTimeUnixNano) - micros(span.startTimeUnixNano),
    tags: sorted(tags),
    logs: span.events.map((event) => ({
      timestamp: micros(event.timeUnixNano),
      fields: sorted([{ key: 'event', type: 'string', value: event.name }, ...tagsOf(event.attributes)]),
    })),
    serviceName: service !== undefined && 'string' in service ? service.string : '',
    processTags: sorted(tagsOf(resource)),
    warnings: sticksOut(span, parent) ? [CLOCK_SKEW_WARNING] : null,
  };
}

/** The UI's view of the spans of its traces, in the same form as {@link expectedUiView}. */
export function actualUiViews(traces: UiTrace[]): UiView[] {
  return traces.flatMap((trace) =>
    trace.spans.map((span) => {
      const process = trace.processes[span.processID];
      return {
        spanID: span.spanID,
        operationName: span.operationName,
        references: span.references,
        startTime: span.startTime,
        duration: span.duration,
        tags: sorted(span.tags),
        logs: (span.logs ?? []).map((log) => ({ timestamp: log.timestamp, fields: sorted(log.fields) })),
        serviceName: process?.serviceName ?? '',
        processTags: sorted(process?.tags ?? []),
        warnings:
          span.warnings?.map((warning) => warning.replace(/calculated delta of .*$/, 'calculated delta of <delta>')) ??
          null,
      };
    }),
  );
}
