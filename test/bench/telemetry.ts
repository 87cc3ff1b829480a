/**
 * The OpenTelemetry setup every benchmark configuration shares: AsyncLocalStorage context, one
 * tracer provider with a BatchSpanProcessor, and an exporter that serializes each batch to OTLP
 * protobuf exactly as the OTLP/HTTP exporter would, counts spans and bytes, and sends nothing — so
 * what is measured is the instrumentation, not the network. A meter provider with a reader that is
 * never collected during a batch lets metric recording cost what it costs in an app.
 *
 * The SDK comes from the bench's own install (`test/bench/node_modules`), pinned to the versions
 * the workspace uses; it is loaded with `require` so the typecheck does not depend on that install.
 */
import { context, metrics, trace, type Context, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { requireFromBench } from './install.ts';

type ExportedSpans = Parameters<typeof ProtobufTraceSerializer.serializeRequest>[0];

/** What the SDK's span processors receive; the subset the bench uses. */
export interface SpanProcessorLike {
  onStart(span: unknown, parentContext: Context): void;
  onEnd(span: unknown): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

interface TracerProviderLike extends TracerProvider {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

interface SdkTrace {
  TracerProvider: new (options: { spanProcessors: SpanProcessorLike[] }) => TracerProviderLike;
  BatchSpanProcessor: new (options: { exporter: CountingExporter }) => SpanProcessorLike;
}

interface MeterProviderLike extends MeterProvider {
  shutdown(): Promise<void>;
}

interface SdkMetrics {
  MeterProvider: new (options: { readers: unknown[] }) => MeterProviderLike;
  PeriodicExportingMetricReader: new (options: { exporter: unknown; exportIntervalMillis: number }) => unknown;
  InMemoryMetricExporter: new (temporality: number) => unknown;
  AggregationTemporality: { DELTA: number };
}

const EXPORT_SUCCESS = 0;

/** Counts what would have been sent: spans, OTLP protobuf bytes, and (when asked) attribute keys. */
export class CountingExporter {
  spans = 0;
  bytes = 0;
  /** Attribute keys seen per span name, collected only while `inspecting` (off while measuring). */
  readonly keysBySpanName = new Map<string, Set<string>>();
  /** Spans exported per span name, collected only while `inspecting`. */
  readonly countBySpanName = new Map<string, number>();
  inspecting = false;

  export(spans: ExportedSpans, resultCallback: (result: { code: number }) => void): void {
    const body = ProtobufTraceSerializer.serializeRequest(spans);
    this.spans += spans.length;
    this.bytes += body?.byteLength ?? 0;
    if (this.inspecting) {
      for (const span of spans) {
        const keys = this.keysBySpanName.get(span.name) ?? new Set<string>();
        for (const key of Object.keys(span.attributes)) keys.add(key);
        this.keysBySpanName.set(span.name, keys);
        this.countBySpanName.set(span.name, (this.countBySpanName.get(span.name) ?? 0) + 1);
      }
    }
    resultCallback({ code: EXPORT_SUCCESS });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

export interface Telemetry {
  exporter: CountingExporter;
  /** Exports everything ended so far (the exporter serializes synchronously). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Installs the global context manager, tracer provider and meter provider. `extraProcessors` run
 * before the batch processor (Runproof's `RunSpanProcessor`).
 */
export function installTelemetry(extraProcessors: SpanProcessorLike[] = []): Telemetry {
  const sdkTrace = requireFromBench<SdkTrace>('@opentelemetry/sdk-trace');
  const sdkMetrics = requireFromBench<SdkMetrics>('@opentelemetry/sdk-metrics');
  const exporter = new CountingExporter();
  const tracerProvider = new sdkTrace.TracerProvider({
    spanProcessors: [...extraProcessors, new sdkTrace.BatchSpanProcessor({ exporter })],
  });
  const reader = new sdkMetrics.PeriodicExportingMetricReader({
    exporter: new sdkMetrics.InMemoryMetricExporter(sdkMetrics.AggregationTemporality.DELTA),
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new sdkMetrics.MeterProvider({ readers: [reader] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    exporter,
    flush: () => tracerProvider.forceFlush(),
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}
