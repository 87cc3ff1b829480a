/**
 * Jaeger's query API as the tests read it: `/api/traces`, the JSON its UI searches and shows, and
 * `/api/v3/traces`, OTLP JSON. Only the fields the tests look at are typed.
 */
import { getJson } from './polling.ts';

/** A tag, process tag or log field in the UI's JSON. */
export interface UiKeyValue {
  key: string;
  type: 'string' | 'bool' | 'int64' | 'float64' | 'binary';
  value: string | number | boolean;
}

/** A span as the UI shows it. */
export interface UiSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }[];
  /** Microseconds. */
  startTime: number;
  duration: number;
  tags: UiKeyValue[];
  logs?: { timestamp: number; fields: UiKeyValue[] }[];
  processID: string;
  warnings: string[] | null;
}

/** A trace as the UI shows it. */
export interface UiTrace {
  traceID: string;
  spans: UiSpan[];
  processes: Record<string, { serviceName: string; tags: UiKeyValue[] }>;
  warnings: string[] | null;
}

/** What the tests ask for: a service, and tags every one of them on the same span. */
export interface TraceSearch {
  service: string;
  tags?: Record<string, string>;
  operation?: string;
}

/** Every trace of the last hour matching `search`, through the UI's `/api/traces`. */
export async function searchUiTraces(queryUrl: string, search: TraceSearch): Promise<UiTrace[]> {
  const parameters = new URLSearchParams({
    service: search.service,
    limit: '1000',
    start: String((Date.now() - 3_600_000) * 1000),
    end: String((Date.now() + 60_000) * 1000),
  });
  if (search.tags !== undefined) parameters.set('tags', JSON.stringify(search.tags));
  if (search.operation !== undefined) parameters.set('operation', search.operation);
  const body = (await getJson(`${queryUrl}/api/traces?${parameters.toString()}`)) as {
    data: UiTrace[] | null;
    errors: unknown;
  };
  if (body.errors !== null) throw new Error(`/api/traces?${parameters.toString()}: ${JSON.stringify(body.errors)}`);
  return body.data ?? [];
}

/** One trace through the UI's `/api/traces/{id}`. */
export async function getUiTrace(queryUrl: string, traceId: string): Promise<UiTrace> {
  const body = (await getJson(`${queryUrl}/api/traces/${traceId}`)) as { data: UiTrace[] };
  const [trace] = body.data;
  if (trace === undefined) throw new Error(`/api/traces/${traceId}: no trace`);
  return trace;
}

/** An OTLP JSON document: `{ resourceSpans: [...] }`. */
export interface OtlpDocument {
  resourceSpans?: unknown[];
}

/**
 * Every trace of the last hour with a span of `service` (and `operation`), through `/api/v3/traces`,
 * as stored: `raw_traces` turns off the adjustments the UI's view makes. This version's HTTP API
 * takes no attributes (its gRPC API does), so tag searches go through {@link searchUiTraces}.
 */
export async function findTraces(
  queryUrl: string,
  search: { service: string; operation?: string },
): Promise<OtlpDocument> {
  const parameters = new URLSearchParams({
    'query.service_name': search.service,
    'query.start_time_min': new Date(Date.now() - 3_600_000).toISOString(),
    'query.start_time_max': new Date(Date.now() + 60_000).toISOString(),
    'query.num_traces': '1000',
    'query.raw_traces': 'true',
  });
  if (search.operation !== undefined) parameters.set('query.operation_name', search.operation);
  return otlpResult(`${queryUrl}/api/v3/traces?${parameters.toString()}`);
}

/** One trace through `/api/v3/traces/{id}`, as stored. */
export function getTrace(queryUrl: string, traceId: string): Promise<OtlpDocument> {
  return otlpResult(`${queryUrl}/api/v3/traces/${traceId}?raw_traces=true`);
}

/** The OTLP JSON an `/api/v3` answer holds; none when it says 404, its answer to "no traces". */
async function otlpResult(url: string): Promise<OtlpDocument> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const body = await response.text();
  if (response.status === 404) return {};
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${body}`);
  return (JSON.parse(body) as { result?: OtlpDocument }).result ?? {};
}

/**
 * What the UI's "Upload JSON file" shows for an OTLP JSON trace file: the UI merges the
 * `resourceSpans` of the file's lines into one document and has `/api/transform` convert it.
 */
export async function transformTraceFile(queryUrl: string, documents: OtlpDocument[]): Promise<UiTrace[]> {
  const merged: OtlpDocument = { resourceSpans: documents.flatMap((document) => document.resourceSpans ?? []) };
  const body = await post(`${queryUrl}/api/transform`, merged);
  return (JSON.parse(body) as { data: UiTrace[] }).data;
}

/** Sends one OTLP JSON document to an OTLP/HTTP receiver, as an exporter using `http/json` would. */
export async function exportOtlpJson(otlpUrl: string, document: OtlpDocument): Promise<void> {
  await post(`${otlpUrl}/v1/traces`, document);
}

async function post(url: string, document: OtlpDocument): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(document),
    signal: AbortSignal.timeout(5_000),
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${body}`);
  return body;
}
