import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { MetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { Delivery } from './delivery.ts';

/**
 * Collects and pushes metrics every `intervalMillis`, as OpenTelemetry's
 * `PeriodicExportingMetricReader` does, one export at a time, each given `timeoutMillis`; unlike
 * it, none of its timers keeps the process alive (an export to a backend that is down no longer
 * holds an app that has finished), and each export that fails is counted in its {@link Delivery}.
 */
export class PeriodicMetricPusher extends MetricReader {
  private readonly exporter: PushMetricExporter;
  private readonly intervalMillis: number;
  private readonly timeoutMillis: number;
  private readonly delivery: Delivery | undefined;
  private interval: NodeJS.Timeout | undefined;
  private exporting: Promise<void> | undefined;
  private abandoned = false;

  constructor(
    exporter: PushMetricExporter,
    options: { intervalMillis: number; timeoutMillis: number; delivery?: Delivery },
  ) {
    super({
      aggregationSelector: exporter.selectAggregation?.bind(exporter),
      aggregationTemporalitySelector: exporter.selectAggregationTemporality?.bind(exporter),
    });
    this.exporter = exporter;
    this.intervalMillis = options.intervalMillis;
    this.timeoutMillis = options.timeoutMillis;
    this.delivery = options.delivery;
  }

  protected override onInitialized(): void {
    this.interval = setInterval(() => void this.exportOnce(), this.intervalMillis);
    this.interval.unref();
  }

  protected override async onForceFlush(): Promise<void> {
    await this.exporting;
    await this.exportOnce();
    await this.exporter.forceFlush();
  }

  protected override async onShutdown(): Promise<void> {
    clearInterval(this.interval);
    await this.onForceFlush();
    await this.exporter.shutdown();
  }

  /** Stops counting: an export still running is counted as lost, for `reason`. */
  abandon(reason: string): void {
    if (this.abandoned) return;
    this.abandoned = true;
    if (this.exporting === undefined) return;
    this.delivery?.failed(1, reason);
    void this.exporter.shutdown().catch(() => undefined);
  }

  /** Starts an export unless one is running; resolves when the running one ends. */
  private exportOnce(): Promise<void> {
    this.exporting ??= this.collectAndExport().finally(() => (this.exporting = undefined));
    return this.exporting;
  }

  private async collectAndExport(): Promise<void> {
    try {
      const { resourceMetrics } = await this.collect({ timeoutMillis: this.timeoutMillis });
      if (resourceMetrics.scopeMetrics.length === 0) return;
      await resourceMetrics.resource.waitForAsyncAttributes?.();
      const result = await new Promise<ExportResult | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), this.timeoutMillis);
        timer.unref();
        this.exporter.export(resourceMetrics, (exported) => {
          clearTimeout(timer);
          resolve(exported);
        });
      });
      if (this.abandoned) return;
      if (result?.code === ExportResultCode.SUCCESS) this.delivery?.sent(1);
      else
        this.delivery?.failed(
          1,
          result === undefined
            ? `the export took longer than ${this.timeoutMillis} ms`
            : (result.error?.message ?? 'export failed'),
        );
    } catch (error) {
      if (!this.abandoned) this.delivery?.failed(1, error instanceof Error ? error.message : String(error));
    }
  }
}
