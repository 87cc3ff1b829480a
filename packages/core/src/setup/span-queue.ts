import { TraceFlags, type Context } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { SpanBatchSettings } from './config.ts';
import type { Delivery } from './delivery.ts';

/**
 * Batches ended spans for an exporter, as OpenTelemetry's `BatchSpanProcessor` does (`OTEL_BSP_*`:
 * a bounded queue that drops what does not fit, batches sent every `scheduledDelayMillis` or as
 * soon as one is full, one export at a time, each given `exportTimeoutMillis`), with two
 * differences the end of a process needs: none of its timers keeps the process alive, and it
 * counts in its {@link Delivery} every span that did not reach the exporter's destination.
 * `takeQueued()` hands the spans still queued to the synchronous flush at `process.exit()`.
 */
export class SpanQueue implements SpanProcessor {
  readonly exporter: SpanExporter;
  readonly delivery: Delivery;
  private readonly settings: SpanBatchSettings;
  private queue: ReadableSpan[] = [];
  private inFlight: { spans: ReadableSpan[]; done: Promise<void> } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(exporter: SpanExporter, settings: SpanBatchSettings, delivery: Delivery) {
    this.exporter = exporter;
    this.settings = settings;
    this.delivery = delivery;
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.stopped) return this.delivery.failed(1, 'ended after shutdown');
    if (this.queue.length >= this.settings.maxQueueSize)
      return this.delivery.failed(1, `dropped: the queue of ${this.settings.maxQueueSize} spans was full`);
    this.queue.push(span);
    if (this.queue.length >= this.settings.maxExportBatchSize) this.exportNext();
    else this.timer ??= unref(setTimeout(() => this.exportNext(), this.settings.scheduledDelayMillis));
  }

  /** Exports everything queued, batch by batch; resolves when the last export has ended. */
  async forceFlush(): Promise<void> {
    while (this.inFlight !== undefined || this.queue.length > 0) {
      if (this.inFlight === undefined) this.exportNext();
      await this.inFlight?.done;
    }
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    await this.forceFlush();
    this.stopped = true;
    await this.exporter.shutdown();
  }

  /** Removes and returns the spans not yet handed to the exporter. */
  takeQueued(): ReadableSpan[] {
    this.clearTimer();
    const spans = this.queue;
    this.queue = [];
    return spans;
  }

  /** Stops for good: what is queued or in flight is counted as lost, and in-flight sends are cancelled. */
  abandon(reason: string): void {
    if (this.stopped && this.queue.length === 0 && this.inFlight === undefined) return;
    this.stopped = true;
    this.delivery.failed(this.takeQueued().length + (this.inFlight?.spans.length ?? 0), reason);
    this.inFlight = undefined;
    void this.exporter.shutdown();
  }

  private exportNext(): void {
    this.clearTimer();
    if (this.inFlight !== undefined || this.queue.length === 0) return;
    const spans = this.queue.splice(0, this.settings.maxExportBatchSize);
    const current = { spans, done: this.exportBatch(spans) };
    this.inFlight = current;
    void current.done.then(() => {
      if (this.inFlight !== current) return;
      this.inFlight = undefined;
      if (this.queue.length >= this.settings.maxExportBatchSize) this.exportNext();
      else if (this.queue.length > 0 && !this.stopped)
        this.timer ??= unref(setTimeout(() => this.exportNext(), this.settings.scheduledDelayMillis));
    });
  }

  private async exportBatch(spans: ReadableSpan[]): Promise<void> {
    // Resource detectors may still be resolving (a host id is read from a file); wait as the SDK's processor does.
    const pending = new Set(spans.map((span) => span.resource).filter((resource) => resource.asyncAttributesPending));
    for (const resource of pending) await resource.waitForAsyncAttributes?.().catch(() => undefined);
    const result = await new Promise<ExportResult | undefined>((resolve) => {
      const timer = unref(setTimeout(() => resolve(undefined), this.settings.exportTimeoutMillis));
      try {
        this.exporter.export(spans, (exported) => {
          clearTimeout(timer);
          resolve(exported);
        });
      } catch (error) {
        clearTimeout(timer);
        resolve({ code: ExportResultCode.FAILED, error: error as Error });
      }
    });
    if (this.inFlight?.spans !== spans) return; // abandoned meanwhile: already counted
    if (result?.code === ExportResultCode.SUCCESS) this.delivery.sent(spans.length);
    else
      this.delivery.failed(
        spans.length,
        result === undefined
          ? `the export took longer than ${this.settings.exportTimeoutMillis} ms`
          : (result.error?.message ?? 'export failed'),
      );
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function unref(timer: NodeJS.Timeout): NodeJS.Timeout {
  timer.unref();
  return timer;
}
