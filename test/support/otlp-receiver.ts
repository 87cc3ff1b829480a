import { MockOtlpServer, normalizeMetrics, normalizeTrace } from '@elastic/mockotlpserver';

/** A span as it arrived at the OTLP receiver, decoded by its official .proto files and normalized. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: string;
  attributes: Record<string, unknown>;
  events: { name: string; attributes?: Record<string, unknown> }[];
  links: { traceId: string; spanId: string; attributes?: Record<string, unknown> }[];
  status: { code: string; message?: string };
  resource: Record<string, unknown>;
  scope: string;
  /** The schema URL of the span's instrumentation scope (`''` when it had none). */
  schemaUrl: string;
}

/** One histogram data point as it arrived, decoded and normalized. */
export interface ReceivedHistogramPoint {
  attributes: Record<string, unknown>;
  count: number;
  sum: number;
  bucketCounts: number[];
  explicitBounds: number[];
}

/** One metric stream as it arrived at the receiver (one export's worth of its data points). */
export interface ReceivedMetric {
  name: string;
  unit: string;
  scope: string;
  schemaUrl: string;
  resource: Record<string, unknown>;
  /** The histogram's data points; empty for other instruments. */
  histogram: ReceivedHistogramPoint[];
}

export interface OtlpReceiver {
  /** Base URL for `OTEL_EXPORTER_OTLP_ENDPOINT`, without a trailing slash. */
  url: string;
  spans: ReceivedSpan[];
  /** Metrics received (with `OTEL_METRICS_EXPORTER=otlp`), in the order they arrived. */
  metrics: ReceivedMetric[];
  /** Resolves once `predicate` holds for the received spans; rejects after `timeoutMs`. */
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  /** Resolves once `predicate` holds for the received metrics; rejects after `timeoutMs`. */
  waitForMetrics(predicate: (metrics: ReceivedMetric[]) => boolean, timeoutMs?: number): Promise<ReceivedMetric[]>;
  close(): Promise<void>;
}

interface NormalizedTrace {
  resourceSpans?: {
    resource?: { attributes?: Record<string, unknown> };
    scopeSpans?: {
      scope?: { name?: string };
      schemaUrl?: string;
      spans?: Omit<ReceivedSpan, 'resource' | 'scope' | 'schemaUrl'>[];
    }[];
  }[];
}

interface NormalizedMetrics {
  resourceMetrics?: {
    resource?: { attributes?: Record<string, unknown> };
    scopeMetrics?: {
      scope?: { name?: string };
      schemaUrl?: string;
      metrics?: {
        name: string;
        unit?: string;
        histogram?: { dataPoints?: Partial<Record<keyof ReceivedHistogramPoint, unknown>>[] };
      }[];
    }[];
  }[];
}

/**
 * Starts `@elastic/mockotlpserver` (a real, third-party OTLP/HTTP receiver that decodes JSON and
 * protobuf) on 127.0.0.1 and a free port. Its callbacks go through a process-wide diagnostics
 * channel, so use one receiver per test file.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const metrics: ReceivedMetric[] = [];
  const waiters = new Set<() => void>();
  const server = new MockOtlpServer({
    logLevel: 'warn',
    services: ['http'],
    httpHostname: '127.0.0.1',
    httpPort: 0,
    onTrace(request: unknown) {
      const normalized = normalizeTrace(request) as NormalizedTrace;
      for (const resourceSpans of normalized.resourceSpans ?? []) {
        for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
          for (const span of scopeSpans.spans ?? []) {
            // The normalizer leaves out empty lists and maps; tests read them as empty.
            spans.push({
              ...span,
              attributes: span.attributes ?? {},
              events: span.events ?? [],
              links: span.links ?? [],
              resource: resourceSpans.resource?.attributes ?? {},
              scope: scopeSpans.scope?.name ?? '',
              schemaUrl: scopeSpans.schemaUrl ?? '',
            });
          }
        }
      }
      for (const wake of waiters) wake();
    },
    onMetrics(request: unknown) {
      const normalized = normalizeMetrics(request) as NormalizedMetrics;
      for (const resourceMetrics of normalized.resourceMetrics ?? []) {
        for (const scopeMetrics of resourceMetrics.scopeMetrics ?? []) {
          for (const metric of scopeMetrics.metrics ?? []) {
            metrics.push({
              name: metric.name,
              unit: metric.unit ?? '',
              scope: scopeMetrics.scope?.name ?? '',
              schemaUrl: scopeMetrics.schemaUrl ?? '',
              resource: resourceMetrics.resource?.attributes ?? {},
              histogram: (metric.histogram?.dataPoints ?? []).map((point) => ({
                attributes: (point.attributes as Record<string, unknown> | undefined) ?? {},
                // Protobuf longs arrive as strings once normalized.
                count: Number(point.count ?? 0),
                sum: Number(point.sum ?? 0),
                bucketCounts: ((point.bucketCounts as unknown[] | undefined) ?? []).map(Number),
                explicitBounds: ((point.explicitBounds as unknown[] | undefined) ?? []).map(Number),
              })),
            });
          }
        }
      }
      for (const wake of waiters) wake();
    },
  });
  await server.start();
  const url = String(server.httpUrl).replace(/\/$/, '');
  function waitUntil<T>(
    received: T[],
    predicate: (received: T[]) => boolean,
    timeoutMs: number,
    describe: () => string,
  ): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate(received)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(received);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms; ${describe()}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  }
  return {
    url,
    spans,
    metrics,
    waitFor: (predicate, timeoutMs = 10_000) =>
      waitUntil(spans, predicate, timeoutMs, () => `received spans: ${JSON.stringify(spans.map((span) => span.name))}`),
    waitForMetrics: (predicate, timeoutMs = 10_000) =>
      waitUntil(
        metrics,
        predicate,
        timeoutMs,
        () => `received metrics: ${JSON.stringify(metrics.map((metric) => metric.name))}`,
      ),
    close: () => server.close(),
  };
}
