import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  CumulativeTemporalitySelector,
  DeltaTemporalitySelector,
  LowMemoryTemporalitySelector,
} from '@opentelemetry/exporter-metrics-otlp-http';
import {
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import type {
  AggregationTemporality,
  InstrumentType,
  PushMetricExporter,
  ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { MetricTemporality, OtlpProtocol, OtlpTarget } from './config.ts';
import { OtlpSender, type SendResult } from './otlp-sender.ts';

const { SUCCESS, FAILED } = ExportResultCode;

/** The OTLP request body for `spans`, in the target's encoding; `undefined` when there is nothing to send. */
export function serializeSpans(spans: ReadableSpan[], protocol: OtlpProtocol): Uint8Array | undefined {
  return (protocol === 'http/json' ? JsonTraceSerializer : ProtobufTraceSerializer).serializeRequest(spans);
}

function toExportResult(result: SendResult): ExportResult {
  return result.ok ? { code: SUCCESS } : { code: FAILED, error: new Error(result.reason) };
}

/**
 * Exports spans over OTLP/HTTP (protobuf or JSON) with OpenTelemetry's own serializers and a
 * sender that never keeps the process alive. Retries and timeouts follow the OTLP exporter
 * specification; see {@link OtlpSender}.
 */
export class OtlpSpanExporter implements SpanExporter {
  readonly target: OtlpTarget;
  private readonly sender: OtlpSender;

  constructor(target: OtlpTarget, onAttemptFailed?: (reason: string) => void) {
    this.target = target;
    this.sender = new OtlpSender(target, { detached: true, onAttemptFailed });
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    let body: Uint8Array | undefined;
    try {
      body = serializeSpans(spans, this.target.protocol);
    } catch (error) {
      resultCallback({ code: FAILED, error: error as Error });
      return;
    }
    if (body === undefined) resultCallback({ code: SUCCESS });
    else void this.sender.send(body).then((result) => resultCallback(toExportResult(result)));
  }

  /** Cancels what is still in flight. */
  shutdown(): Promise<void> {
    this.sender.close();
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

const TEMPORALITY_SELECTORS = {
  cumulative: CumulativeTemporalitySelector,
  delta: DeltaTemporalitySelector,
  lowmemory: LowMemoryTemporalitySelector,
} as const;

/** Exports metrics over OTLP/HTTP, like {@link OtlpSpanExporter}, with the configured temporality. */
export class OtlpMetricExporter implements PushMetricExporter {
  readonly target: OtlpTarget;
  private readonly sender: OtlpSender;
  private readonly temporality: (instrumentType: InstrumentType) => AggregationTemporality;

  constructor(target: OtlpTarget, temporality: MetricTemporality, onAttemptFailed?: (reason: string) => void) {
    this.target = target;
    this.sender = new OtlpSender(target, { detached: true, onAttemptFailed });
    this.temporality = TEMPORALITY_SELECTORS[temporality];
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    let body: Uint8Array | undefined;
    try {
      body = (
        this.target.protocol === 'http/json' ? JsonMetricsSerializer : ProtobufMetricsSerializer
      ).serializeRequest(metrics);
    } catch (error) {
      resultCallback({ code: FAILED, error: error as Error });
      return;
    }
    if (body === undefined) resultCallback({ code: SUCCESS });
    else void this.sender.send(body).then((result) => resultCallback(toExportResult(result)));
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return this.temporality(instrumentType);
  }

  shutdown(): Promise<void> {
    this.sender.close();
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
