import { OTLPMetricExporter as OtlpJsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OtlpProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ConsoleMetricExporter, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import type { ResolvedConfig } from './config.ts';
import { OtlpJsonFileExporter } from './file-exporter.ts';

/** Span processors for the configured trace exporters. Queues are bounded: a backend that is down or
 * slow drops the oldest work past `maxQueueSize` rather than growing memory. */
export function createSpanProcessors(config: ResolvedConfig): SpanProcessor[] {
  const processors: SpanProcessor[] = [];
  for (const name of new Set(config.traceExporters)) {
    if (name === 'otlp') processors.push(new BatchSpanProcessor({ exporter: createOtlpTraceExporter(config), ...batchOptionsFromEnvironment() }));
    else if (name === 'console') processors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
    else if (name === 'file') processors.push(new BatchSpanProcessor({ exporter: new OtlpJsonFileExporter(config.filePath), scheduledDelayMillis: 1000 }));
  }
  return processors;
}

export function createMetricReaders(config: ResolvedConfig): IMetricReader[] {
  const readers: IMetricReader[] = [];
  for (const name of new Set(config.metricExporters)) {
    if (name === 'none') continue;
    const exporter = name === 'console' ? new ConsoleMetricExporter() : createOtlpMetricExporter(config);
    readers.push(new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: config.metricExportIntervalMillis }));
  }
  return readers;
}

function createOtlpTraceExporter(config: ResolvedConfig) {
  const options = otlpOptions(config, 'v1/traces');
  return config.otlp.protocol === 'http/json' ? new OtlpJsonTraceExporter(options) : new OtlpProtoTraceExporter(options);
}

function createOtlpMetricExporter(config: ResolvedConfig) {
  const options = otlpOptions(config, 'v1/metrics');
  return config.otlp.protocol === 'http/json' ? new OtlpJsonMetricExporter(options) : new OtlpProtoMetricExporter(options);
}

/** Unset fields are left to the exporter, which reads the standard `OTEL_EXPORTER_OTLP_*` variables. */
function otlpOptions(config: ResolvedConfig, signalPath: string) {
  const options: { url?: string; headers?: Record<string, string>; timeoutMillis?: number } = {};
  if (config.otlp.endpoint !== undefined && !process.env[`OTEL_EXPORTER_OTLP_${signalPath === 'v1/traces' ? 'TRACES' : 'METRICS'}_ENDPOINT`]) {
    options.url = `${config.otlp.endpoint.replace(/\/+$/, '')}/${signalPath}`;
  }
  if (config.otlp.headers !== undefined) options.headers = config.otlp.headers;
  if (config.otlp.timeoutMillis !== undefined) options.timeoutMillis = config.otlp.timeoutMillis;
  return options;
}

function batchOptionsFromEnvironment() {
  const read = (name: string) => {
    const value = Number(process.env[name]);
    return Number.isInteger(value) && value > 0 ? value : undefined;
  };
  const options: { maxQueueSize?: number; maxExportBatchSize?: number; scheduledDelayMillis?: number; exportTimeoutMillis?: number } = {};
  const entries = [
    ['maxQueueSize', read('OTEL_BSP_MAX_QUEUE_SIZE')],
    ['maxExportBatchSize', read('OTEL_BSP_MAX_EXPORT_BATCH_SIZE')],
    ['scheduledDelayMillis', read('OTEL_BSP_SCHEDULE_DELAY')],
    ['exportTimeoutMillis', read('OTEL_BSP_EXPORT_TIMEOUT')],
  ] as const;
  for (const [key, value] of entries) if (value !== undefined) options[key] = value;
  return options;
}
