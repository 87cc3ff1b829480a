import { MockOtlpServer, normalizeTrace } from '@elastic/mockotlpserver';

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
}

export interface OtlpReceiver {
  /** Base URL for `OTEL_EXPORTER_OTLP_ENDPOINT`, without a trailing slash. */
  url: string;
  spans: ReceivedSpan[];
  /** Resolves once `predicate` holds for the received spans; rejects after `timeoutMs`. */
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

interface NormalizedTrace {
  resourceSpans?: {
    resource?: { attributes?: Record<string, unknown> };
    scopeSpans?: { scope?: { name?: string }; spans?: Omit<ReceivedSpan, 'resource' | 'scope'>[] }[];
  }[];
}

/**
 * Starts `@elastic/mockotlpserver` (a real, third-party OTLP/HTTP receiver that decodes JSON and
 * protobuf) on 127.0.0.1 and a free port. Its callbacks go through a process-wide diagnostics
 * channel, so use one receiver per test file.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
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
            spans.push({ ...span, attributes: span.attributes ?? {}, events: span.events ?? [], links: span.links ?? [], resource: resourceSpans.resource?.attributes ?? {}, scope: scopeSpans.scope?.name ?? '' });
          }
        }
      }
      for (const wake of waiters) wake();
    },
  });
  await server.start();
  const url = String(server.httpUrl).replace(/\/$/, '');
  return {
    url,
    spans,
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(spans)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(spans);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms; received spans: ${JSON.stringify(spans.map((span) => span.name))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => server.close(),
  };
}
