import { trace, type Tracer } from '@opentelemetry/api';
import { globalGenAIInstruments, SCOPE_OPTIONS, type GenAIInstruments } from '@runproof/core/adapter';
import { PACKAGE_NAME, VERSION } from './version.ts';

/** Where a wrapper gets its tracer, metric instruments and options, looked up at call time. */
export interface TelemetrySource {
  currentTracer(): Tracer;
  currentInstruments(): GenAIInstruments;
  /** The `captureContent` option, when one was given; `undefined` defers to the settings `start()` resolved. */
  captureContentOption(): boolean | undefined;
  /** The `includeStreamUsage` option: whether streamed chat completions requests ask for their usage. */
  includeStreamUsageOption(): boolean;
}

const globalTracer = trace.getTracerProvider().getTracer(PACKAGE_NAME, VERSION, SCOPE_OPTIONS);

/**
 * The source of the explicit path (`instrumentOpenAI`): the global tracer and meter providers,
 * whichever are registered when the call is made.
 */
export const globalTelemetry: TelemetrySource = {
  currentTracer: () => globalTracer,
  currentInstruments: () => globalGenAIInstruments(PACKAGE_NAME, VERSION),
  captureContentOption: () => undefined,
  includeStreamUsageOption: () => false,
};
