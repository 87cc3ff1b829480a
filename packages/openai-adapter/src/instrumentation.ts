import { InstrumentationBase, InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import type { Tracer } from '@opentelemetry/api';
import { warnOnce } from '@runproof/core/adapter';
import { genAIInstruments, type GenAIInstruments } from '@runproof/core/adapter';
import { patchTargets, targetsOfModule, unpatchTargets } from './targets.ts';
import type { TelemetrySource } from './telemetry-source.ts';
import type { OpenAIInstrumentationConfig } from './types.ts';
import { isSupportedOpenAIVersion, PACKAGE_NAME, SUPPORTED_OPENAI_VERSIONS, VERSION } from './version.ts';

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

  currentTracer(): Tracer {
    return this.tracer;
  }

  currentInstruments(): GenAIInstruments {
    return genAIInstruments(this.meter);
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
