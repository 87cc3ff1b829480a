import { InstrumentationBase, InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { trace, type Meter, type MeterProvider, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { warnOnce } from '@runproof/core/adapter';
import { genAIInstruments, globalGenAIInstruments, SCOPE_OPTIONS, type GenAIInstruments } from '@runproof/core/adapter';
import { patchTargets, targetsOfModule, unpatchTargets } from './targets.ts';
import type { TelemetrySource } from './telemetry-source.ts';
import type { OpenAIInstrumentationConfig } from './types.ts';
import { isSupportedOpenAIVersion, PACKAGE_NAME, SUPPORTED_OPENAI_VERSIONS, VERSION } from './version.ts';

// By instrumentation, set outside the class: InstrumentationBase's constructor enables (and so
// patches) before a subclass's own fields exist.
const scopedTracers = new WeakMap<OpenAIInstrumentation, Tracer>();
const scopedMeters = new WeakMap<OpenAIInstrumentation, Meter>();

/**
 * The OpenTelemetry instrumentation of the `openai` package: patches each copy of `openai` loaded
 * after it is enabled, through `require` (CommonJS) and the ES module hook `@runproof/core/register`
 * installs. `start()` creates and enables it when this package is installed.
 *
 * @example
 * import { registerInstrumentations } from '@opentelemetry/instrumentation';
 * registerInstrumentations({ instrumentations: [new OpenAIInstrumentation({ captureContent: false })] });
 */
export class OpenAIInstrumentation extends InstrumentationBase<OpenAIInstrumentationConfig> implements TelemetrySource {
  constructor(config: OpenAIInstrumentationConfig = {}) {
    super(PACKAGE_NAME, VERSION, config);
  }

  protected init(): InstrumentationNodeModuleDefinition {
    // Every version is accepted here so an unsupported one is reported instead of skipped silently.
    return new InstrumentationNodeModuleDefinition(
      'openai',
      ['*'],
      (moduleExports: unknown, moduleVersion?: string) => this.patchModule(moduleExports, moduleVersion),
      (moduleExports: unknown) => unpatchTargets(targetsOfModule(moduleExports)),
    );
  }

  /** The tracer of the provider `registerInstrumentations` (or `start()`) gave, with the conventions' schema URL. */
  override setTracerProvider(tracerProvider: TracerProvider): void {
    super.setTracerProvider(tracerProvider);
    scopedTracers.set(this, tracerProvider.getTracer(PACKAGE_NAME, VERSION, SCOPE_OPTIONS));
  }

  /** The meter of the provider given, with the conventions' schema URL. */
  override setMeterProvider(meterProvider: MeterProvider): void {
    super.setMeterProvider(meterProvider);
    scopedMeters.set(this, meterProvider.getMeter(PACKAGE_NAME, VERSION, SCOPE_OPTIONS));
  }

  currentTracer(): Tracer {
    let tracer = scopedTracers.get(this);
    if (tracer === undefined)
      scopedTracers.set(this, (tracer = trace.getTracerProvider().getTracer(PACKAGE_NAME, VERSION, SCOPE_OPTIONS)));
    return tracer;
  }

  currentInstruments(): GenAIInstruments {
    const meter = scopedMeters.get(this);
    return meter === undefined ? globalGenAIInstruments(PACKAGE_NAME, VERSION) : genAIInstruments(meter);
  }

  captureContentOption(): boolean | undefined {
    return this.getConfig().captureContent;
  }

  includeStreamUsageOption(): boolean {
    return this.getConfig().includeStreamUsage === true;
  }

  private patchModule(moduleExports: unknown, moduleVersion: string | undefined): unknown {
    if (moduleVersion !== undefined && !isSupportedOpenAIVersion(moduleVersion)) {
      warnOnce(
        `unsupported:${moduleVersion}`,
        `runproof: openai ${moduleVersion} is not supported by ${PACKAGE_NAME} ${VERSION} (supported: ${SUPPORTED_OPENAI_VERSIONS}); its calls will not be traced`,
      );
      return moduleExports;
    }
    patchTargets(targetsOfModule(moduleExports), this, `openai@${moduleVersion ?? 'unknown'}`);
    return moduleExports;
  }
}

/**
 * Creates the instrumentation; what `start()` calls for each installed adapter.
 *
 * @example
 * start({ instrumentations: [createInstrumentation({ captureContent: true })] });
 */
export function createInstrumentation(config: OpenAIInstrumentationConfig = {}): OpenAIInstrumentation {
  return new OpenAIInstrumentation(config);
}
