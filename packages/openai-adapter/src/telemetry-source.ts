import { metrics, trace, type MeterProvider, type Tracer } from '@opentelemetry/api';
import { genAIInstruments, type GenAIInstruments } from '@runproof/core/adapter';
import { PACKAGE_NAME, VERSION } from './version.ts';

/** Where a wrapper gets its tracer, metric instruments and options, looked up at call time. */
export interface TelemetrySource {
  currentTracer(): Tracer;
  currentInstruments(): GenAIInstruments;
  /** The `captureContent` option, when one was given; `undefined` defers to the settings `start()` resolved. */
  captureContentOption(): boolean | undefined;
}

const globalTracer = trace.getTracer(PACKAGE_NAME, VERSION);
let instrumentsProvider: MeterProvider | undefined;
let globalInstruments: GenAIInstruments | undefined;

/**
 * The source of the explicit path (`instrumentOpenAI`): the global tracer and meter providers,
 * whichever are registered when the call is made.
 */
export const globalTelemetry: TelemetrySource = {
  currentTracer: () => globalTracer,
  currentInstruments() {
    // The metrics API has no proxy provider: follow the global one if it is registered later.
    const provider = metrics.getMeterProvider();
    if (provider !== instrumentsProvider || globalInstruments === undefined) {
      instrumentsProvider = provider;
      globalInstruments = genAIInstruments(provider.getMeter(PACKAGE_NAME, VERSION));
    }
    return globalInstruments;
  },
  captureContentOption: () => undefined,
};
