import { context, metrics, propagation, trace, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { configureDurability, type DurabilityOptions } from './continuity/durability.ts';
import { globalSlot } from './internal/global.ts';
import { defaultSettings, getSettings, setSettings, type Settings } from './settings.ts';
import { RunSpanProcessor } from './setup/span-processor.ts';

export type { MetricData, ReadableSpan };

/** In-memory OpenTelemetry for tests: what adapters' and users' tests assert on. */
export interface TestHarness {
  /** Every finished span so far, in the order they ended. */
  spans(): ReadableSpan[];
  /** The one finished span with this name; throws listing the names seen when there is not exactly one. */
  span(name: string): ReadableSpan;
  /** Finished spans whose attributes include every entry of `attributes`. */
  spansWith(attributes: Attributes): ReadableSpan[];
  /** Collects and returns the metrics recorded since the last `reset()`. */
  metrics(): Promise<MetricData[]>;
  /** Changes the settings adapters read (content capture, caps), until `reset()`. */
  configure(settings: Partial<Settings>): void;
  /**
   * Where durable runs keep their journals from now on, as `start({ store, durability })` would set
   * it: e.g. `{ store: 'sqlite::memory:' }` for a journal that lasts as long as the test process.
   */
  useDurability(options: DurabilityOptions): void;
  /** Forgets spans, metrics and settings changes. */
  reset(): Promise<void>;
}

interface Installed {
  spanExporter: InMemorySpanExporter;
  metricExporter: InMemoryMetricExporter;
  reader: PeriodicExportingMetricReader;
  instrumentations: Set<Instrumentation>;
}

const slot = globalSlot<{ installed: Installed | undefined }>('testing', () => ({ installed: undefined }));

/**
 * Installs global in-memory tracer and meter providers once per process (with the run-id span
 * processor, AsyncLocalStorage context and W3C propagators) and returns a harness over them.
 * Instrumentations passed in are enabled against those providers.
 *
 * @example
 * const harness = createTestHarness({ instrumentations: [createInstrumentation()] });
 * beforeEach(() => harness.reset());
 */
export function createTestHarness(options: { instrumentations?: Instrumentation[] } = {}): TestHarness {
  const installed = (slot.installed ??= install());
  for (const instrumentation of options.instrumentations ?? []) {
    if (installed.instrumentations.has(instrumentation)) continue;
    instrumentation.setTracerProvider(trace.getTracerProvider());
    instrumentation.setMeterProvider(metrics.getMeterProvider());
    instrumentation.enable();
    installed.instrumentations.add(instrumentation);
  }
  return {
    spans: () => installed.spanExporter.getFinishedSpans(),
    span(name) {
      const found = installed.spanExporter.getFinishedSpans().filter((span) => span.name === name);
      if (found.length !== 1) {
        const names = installed.spanExporter.getFinishedSpans().map((span) => span.name);
        throw new Error(`expected one span named "${name}", found ${found.length}; spans: ${JSON.stringify(names)}`);
      }
      return found[0]!;
    },
    spansWith: (attributes) =>
      installed.spanExporter
        .getFinishedSpans()
        .filter((span) =>
          Object.entries(attributes).every(
            ([key, value]) => JSON.stringify(span.attributes[key]) === JSON.stringify(value),
          ),
        ),
    async metrics() {
      await installed.reader.forceFlush();
      return installed.metricExporter
        .getMetrics()
        .flatMap((resourceMetrics) => resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics));
    },
    configure: (settings) => setSettings({ ...getSettings(), ...settings }),
    useDurability: (durability) => void configureDurability(durability),
    async reset() {
      installed.spanExporter.reset();
      await installed.reader.forceFlush();
      installed.metricExporter.reset();
      setSettings(defaultSettings());
    },
  };
}

function install(): Installed {
  const spanExporter = new InMemorySpanExporter();
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const tracerProvider = new TracerProvider({
    spanProcessors: [new RunSpanProcessor(), new SimpleSpanProcessor({ exporter: spanExporter })],
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return { spanExporter, metricExporter, reader, instrumentations: new Set() };
}
