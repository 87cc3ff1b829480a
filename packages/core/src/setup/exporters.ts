import { ConsoleMetricExporter } from '@opentelemetry/sdk-metrics';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ConsoleSpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { ResolvedConfig } from './config.ts';
import { Delivery } from './delivery.ts';
import { flushSynchronously } from './exit-flush.ts';
import { OtlpJsonFileExporter } from './file-exporter.ts';
import { PeriodicMetricPusher } from './metric-reader.ts';
import { OtlpMetricExporter, OtlpSpanExporter } from './otlp-exporters.ts';
import { SpanQueue } from './span-queue.ts';

/** What `start()` wires into the SDK, the tallies of what reached each destination, and the flush at exit. */
export interface ExportPipeline {
  spanProcessors: SpanProcessor[];
  metricReaders: PeriodicMetricPusher[];
  deliveries: Delivery[];
  sampler: Sampler | undefined;
  /** Sends what is queued, synchronously, within `budgetMillis` (`process.exit()`, a crash). */
  flushSynchronously(budgetMillis: number): void;
  /** Counts what is still queued or in flight as lost, for `reason`, and cancels it. */
  abandon(reason: string): void;
}

/**
 * Span processors and metric readers for the configured exporters. Queues are bounded: a backend
 * that is down or slow drops what does not fit (counted) rather than growing memory; nothing here
 * keeps the process alive.
 */
export function createExportPipeline(config: ResolvedConfig): ExportPipeline {
  const spanProcessors: SpanProcessor[] = [];
  const queues: SpanQueue[] = [];
  const metricReaders: PeriodicMetricPusher[] = [];
  const deliveries: Delivery[] = [];
  for (const name of new Set(config.traceExporters)) {
    if (name === 'console') spanProcessors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
    if (name !== 'otlp' && name !== 'file') continue;
    const delivery = new Delivery('span', name === 'otlp' ? config.otlpTraces.url : config.filePath);
    const exporter =
      name === 'otlp'
        ? new OtlpSpanExporter(config.otlpTraces, (reason) => delivery.attemptFailed(reason))
        : new OtlpJsonFileExporter(config.filePath);
    const queue = new SpanQueue(
      exporter,
      name === 'otlp' ? config.spanBatch : { ...config.spanBatch, scheduledDelayMillis: 1000 },
      delivery,
    );
    spanProcessors.push(queue);
    queues.push(queue);
    deliveries.push(delivery);
  }
  for (const name of new Set(config.metricExporters)) {
    if (name === 'none') continue;
    const delivery = name === 'otlp' ? new Delivery('metric export', config.otlpMetrics.url) : undefined;
    const exporter =
      name === 'console'
        ? new ConsoleMetricExporter()
        : new OtlpMetricExporter(config.otlpMetrics, config.metricTemporality, (reason) =>
            delivery?.attemptFailed(reason),
          );
    metricReaders.push(
      new PeriodicMetricPusher(exporter, {
        intervalMillis: config.metricExportIntervalMillis,
        timeoutMillis: config.metricExportTimeoutMillis,
        delivery,
      }),
    );
    if (delivery !== undefined) deliveries.push(delivery);
  }
  return {
    spanProcessors,
    metricReaders,
    deliveries,
    sampler: createSampler(config),
    flushSynchronously: (budgetMillis) => flushSynchronously(queues, budgetMillis),
    abandon(reason) {
      for (const queue of queues) queue.abandon(reason);
      for (const reader of metricReaders) reader.abandon(reason);
    },
  };
}

function createSampler(config: ResolvedConfig): Sampler | undefined {
  if (config.sampler === undefined) return undefined;
  const { name, ratio } = config.sampler;
  const root = name.endsWith('always_off')
    ? new AlwaysOffSampler()
    : name.endsWith('traceidratio')
      ? new TraceIdRatioBasedSampler(ratio)
      : new AlwaysOnSampler();
  return name.startsWith('parentbased_') ? new ParentBasedSampler({ root }) : root;
}
