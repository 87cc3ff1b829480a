/**
 * Spans from OTLP JSON — a trace file Runproof wrote, or what Jaeger's `/api/v3/traces` returns —
 * in one canonical form, so the two compare with `deepEqual`: attribute lists become maps, every
 * field the encoding may leave out gets its default, and int64s are strings on both sides.
 */
import type { OtlpDocument } from './jaeger-api.ts';

/** An attribute value, tagged by its OTLP type. */
export type Value =
  | { string: string }
  | { int: string }
  | { double: number }
  | { bool: boolean }
  | { bytes: string }
  | { array: Value[] }
  | { kvlist: Attributes }
  | { empty: true };
export type Attributes = Record<string, Value>;

/** Every field of an OTLP span, and its resource and scope. */
export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Attributes;
  droppedAttributesCount: number;
  events: { timeUnixNano: string; name: string; attributes: Attributes; droppedAttributesCount: number }[];
  droppedEventsCount: number;
  links: {
    traceId: string;
    spanId: string;
    traceState: string;
    flags: number;
    attributes: Attributes;
    droppedAttributesCount: number;
  }[];
  droppedLinksCount: number;
  status: { code: number; message: string };
  resource: Attributes;
  scope: { name: string; version: string; attributes: Attributes };
}

type Json = Record<string, unknown>;
const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
/** A string, or a number (OTLP JSON may write an int64 either way), as a string; '' when absent. */
const text = (value: unknown): string =>
  typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'bigint' ? value.toString() : '';
const count = (value: unknown): number => (value === undefined ? 0 : Number(value));

function valueOf(any: Json | undefined): Value {
  if (any === undefined) return { empty: true };
  if ('stringValue' in any) return { string: text(any.stringValue) };
  if ('intValue' in any) return { int: text(any.intValue) };
  if ('doubleValue' in any) return { double: Number(any.doubleValue) };
  if ('boolValue' in any) return { bool: Boolean(any.boolValue) };
  if ('bytesValue' in any) return { bytes: text(any.bytesValue) };
  if ('arrayValue' in any) return { array: list((any.arrayValue as Json | undefined)?.values).map(valueOf) };
  if ('kvlistValue' in any) return { kvlist: attributesOf((any.kvlistValue as Json | undefined)?.values) };
  return { empty: true };
}

function attributesOf(attributes: unknown): Attributes {
  const map: Attributes = {};
  for (const { key, value } of list(attributes)) map[text(key)] = valueOf(value as Json | undefined);
  return map;
}

/** The spans of OTLP JSON documents, ordered by trace id, start time and span id. */
export function spansOf(documents: OtlpDocument[]): Span[] {
  const spans: Span[] = [];
  for (const document of documents) {
    for (const resourceSpans of list(document.resourceSpans)) {
      const resource = attributesOf((resourceSpans.resource as Json | undefined)?.attributes);
      for (const scopeSpans of list(resourceSpans.scopeSpans)) {
        const scope = (scopeSpans.scope ?? {}) as Json;
        for (const span of list(scopeSpans.spans)) {
          const status = (span.status ?? {}) as Json;
          spans.push({
            traceId: text(span.traceId),
            spanId: text(span.spanId),
            parentSpanId: text(span.parentSpanId),
            traceState: text(span.traceState),
            flags: count(span.flags),
            name: text(span.name),
            kind: count(span.kind),
            startTimeUnixNano: text(span.startTimeUnixNano),
            endTimeUnixNano: text(span.endTimeUnixNano),
            attributes: attributesOf(span.attributes),
            droppedAttributesCount: count(span.droppedAttributesCount),
            events: list(span.events).map((event) => ({
              timeUnixNano: text(event.timeUnixNano),
              name: text(event.name),
              attributes: attributesOf(event.attributes),
              droppedAttributesCount: count(event.droppedAttributesCount),
            })),
            droppedEventsCount: count(span.droppedEventsCount),
            links: list(span.links).map((link) => ({
              traceId: text(link.traceId),
              spanId: text(link.spanId),
              traceState: text(link.traceState),
              flags: count(link.flags),
              attributes: attributesOf(link.attributes),
              droppedAttributesCount: count(link.droppedAttributesCount),
            })),
            droppedLinksCount: count(span.droppedLinksCount),
            status: { code: count(status.code), message: text(status.message) },
            resource,
            scope: { name: text(scope.name), version: text(scope.version), attributes: attributesOf(scope.attributes) },
          });
        }
      }
    }
  }
  return sortSpans(spans);
}

/** Spans in one order whatever their source: by trace id, start time and span id. */
export function sortSpans(spans: Span[]): Span[] {
  const order = (span: Span) => `${span.traceId} ${span.startTimeUnixNano.padStart(20, '0')} ${span.spanId}`;
  return [...spans].sort((a, b) => order(a).localeCompare(order(b)));
}

/** The OTLP JSON documents of a trace file: one per line. */
export function readTraceFileLines(contents: string): OtlpDocument[] {
  return contents
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as OtlpDocument);
}

/** A string attribute's value, or undefined. */
export function stringAttribute(span: Span, key: string): string | undefined {
  const value = span.attributes[key];
  return value !== undefined && 'string' in value ? value.string : undefined;
}

/** The plain JSON value of an attribute value (int64s as numbers), as `JSON.stringify` would print it. */
export function plainValue(value: Value): unknown {
  if ('string' in value) return value.string;
  if ('int' in value) return Number(value.int);
  if ('double' in value) return value.double;
  if ('bool' in value) return value.bool;
  if ('bytes' in value) return value.bytes;
  if ('array' in value) return value.array.map(plainValue);
  if ('kvlist' in value)
    return Object.fromEntries(Object.entries(value.kvlist).map(([key, item]) => [key, plainValue(item)]));
  return null;
}

const KIND_NAMES = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

/**
 * The spans of one trace as an indented tree, one line per span (`name KIND`), children in start
 * order: the shape a reader sees in Jaeger's trace view.
 */
export function treeLines(spans: Span[]): string[] {
  const ids = new Set(spans.map((span) => span.spanId));
  const children = new Map<string, Span[]>();
  for (const span of spans) {
    const parent = ids.has(span.parentSpanId) ? span.parentSpanId : '';
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  // Spans can start in the same millisecond (a replayed step and the next one): the one that ended first came first.
  const byStart = (a: Span, b: Span) =>
    Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)) ||
    Number(BigInt(a.endTimeUnixNano) - BigInt(b.endTimeUnixNano)) ||
    a.name.localeCompare(b.name);
  const lines: string[] = [];
  const visit = (parent: string, depth: number): void => {
    for (const span of (children.get(parent) ?? []).sort(byStart)) {
      lines.push(`${'  '.repeat(depth)}${span.name} ${KIND_NAMES[span.kind] ?? span.kind}`);
      visit(span.spanId, depth + 1);
    }
  };
  visit('', 0);
  return lines;
}

/** The spans grouped by trace id, in the order the traces first appear. */
export function byTrace(spans: Span[]): Map<string, Span[]> {
  const traces = new Map<string, Span[]>();
  for (const span of spans) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
  return traces;
}
