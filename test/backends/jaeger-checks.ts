/** What the trace tests ask of a running Jaeger, by its query URL. */
import assert from 'node:assert/strict';
import { findTraces, searchUiTraces, type TraceSearch } from './jaeger-api.ts';
import { byTrace, spansOf, type Span } from './otlp-spans.ts';
import { waitUntil } from './polling.ts';
import { actualUiViews, expectedUiViews } from './ui-view.ts';

/** The spans Jaeger stored for `service` (through `/api/v3`), once there are as many as were exported. */
export function storedSpans(queryUrl: string, service: string, exported: Span[]): Promise<Span[]> {
  return waitUntil(
    `Jaeger holds the ${exported.length} spans of ${service}`,
    async () => {
      const spans = spansOf([await findTraces(queryUrl, { service })]);
      return spans.length >= exported.length && spans;
    },
    15_000,
  );
}

/**
 * Asserts that Jaeger stored exactly the `exported` spans of `service` (through `/api/v3`), and that
 * its UI shows them as their documented conversion (through `/api/traces`, see ui-view.ts).
 */
export async function assertShownAsExported(queryUrl: string, service: string, exported: Span[]): Promise<void> {
  assert.deepEqual(await storedSpans(queryUrl, service, exported), exported);
  const bySpanId = <T extends { spanID: string }>(views: T[]) =>
    [...views].sort((a, b) => a.spanID.localeCompare(b.spanID));
  assert.deepEqual(
    bySpanId(actualUiViews(await searchUiTraces(queryUrl, { service }))),
    bySpanId(expectedUiViews(exported)),
  );
}

/** The ids of the traces a UI search finds, sorted. */
export async function foundTraces(queryUrl: string, search: TraceSearch): Promise<string[]> {
  return (await searchUiTraces(queryUrl, search)).map((trace) => trace.traceID).sort();
}

/** The trace ids of `spans`, by the start of their root span. */
export function tracesInOrder(spans: Span[]): string[] {
  return [...byTrace(spans).values()]
    .map((trace) => trace.find((span) => span.parentSpanId === '')!)
    .sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)))
    .map((root) => root.traceId);
}
