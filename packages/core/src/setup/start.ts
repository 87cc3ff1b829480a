import { createRequire } from 'node:module';
import { join } from 'node:path';
import { context, diag, metrics, trace } from '@opentelemetry/api';
import type * as ContextAsyncHooks from '@opentelemetry/context-async-hooks';
import type { Instrumentation, registerInstrumentations } from '@opentelemetry/instrumentation';
import type * as Resources from '@opentelemetry/resources';
import type * as SdkNode from '@opentelemetry/sdk-node';
import { isMainThread } from 'node:worker_threads';
import { resolveConfig, type ResolvedConfig, type StartOptions } from './config.ts';
import { installExitHooks } from './exit-hooks.ts';
import type * as Exporters from './exporters.ts';
import { applyLaterStart } from './later-start.ts';
import { Shutdown } from './shutdown.ts';
import { globalSlot } from '../internal/global.ts';
import { codeVersionFromEnvironment, setSettings, type Settings } from '../settings.ts';
import {
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_TELEMETRY_SDK_NAME,
  ATTR_TELEMETRY_SDK_VERSION,
} from '../semconv.ts';
import { RunSpanProcessor } from './span-processor.ts';
import { releaseContextManager } from '../run/context-fallback.ts';
import { flushDriftBaselines, preloadDriftBaselines } from '../drift/fleet.ts';
import { configureDurability } from '../continuity/durability.ts';
import { VERSION } from '../version.ts';

/** What `start()` returns. */
export interface RunproofHandle {
  /** False when `OTEL_SDK_DISABLED=true`: runs, boundaries and checkpoints still work (the adapters are installed), nothing is recorded. */
  readonly enabled: boolean;
  /** The configuration in force after resolution. */
  readonly config: ResolvedConfig;
  /** Names of the instrumentations that were loaded. */
  readonly instrumentations: readonly string[];
  /** Exports everything queued so far. */
  forceFlush(): Promise<void>;
  /**
   * Ends the calls still open, flushes and stops, within `shutdownTimeoutMillis` (what is not sent
   * by then is counted in one warning); later calls return the same promise. Rarely needed: the
   * end of the process does it (see {@link start}).
   */
  shutdown(): Promise<void>;
}

/** Adapter packages `start()` loads when they are installed. Each exports `createInstrumentation()`. */
export const KNOWN_ADAPTERS = ['@runproof/openai-adapter', '@runproof/langchain-adapter'] as const;

const slot = globalSlot<{ handle: RunproofHandle | undefined; runSpanProcessor?: RunSpanProcessor }>('sdk', () => ({
  handle: undefined,
}));

/**
 * The SDK, its exporters and resource detectors are loaded by `start()`, not by importing this
 * package: code that only uses `run()` or an adapter does not carry them (about 20 MB of heap).
 */
const load = createRequire(import.meta.url);

/**
 * Sets up OpenTelemetry for the process: tracer and meter providers, the exporters the options or
 * `OTEL_*` variables name, the installed Runproof adapters, and the span processor that stamps run
 * ids. Validates everything first and throws one `ConfigError` naming each bad field.
 *
 * It also sees the process out, so the app needs no shutdown code: when the app's work is done,
 * on `process.exit()`, on an uncaught exception or unhandled rejection, and on SIGTERM or SIGINT,
 * what is queued is sent within `shutdownTimeoutMillis` (default 2000), and the process then ends
 * as it would have without Runproof — same exit code, same error printed, ended by the same
 * signal. An app with its own SIGTERM/SIGINT listener keeps full control of what a signal does.
 *
 * Called again (say after `--import @runproof/core/register`), it returns the first handle and
 * applies what can still change: its policies are added, content settings and the shutdown budget
 * replaced; options that shape the running SDK are named in a warning on stderr.
 *
 * @example
 * import { start } from '@runproof/core';
 * start({ serviceName: 'invoice-service', policies: { 'invoice-triage': { allowedTools: ['lookup_vendor'] } } });
 * // no process.on('SIGTERM', …) needed: the end of the process flushes, then ends as Node would.
 */
export function start(options: StartOptions = {}): RunproofHandle {
  if (slot.handle !== undefined) {
    applyLaterStart(slot.handle.config, options);
    setSettings(settingsOf(slot.handle.config));
    if (options.store !== undefined || options.durability !== undefined)
      configureDurability(slot.handle.config.durability);
    if (options.evidence !== undefined) slot.runSpanProcessor?.useEvidence(slot.handle.config.evidence);
    return slot.handle;
  }
  const config = resolveConfig(options);
  setSettings(settingsOf(config));
  configureDurability(config.durability);

  // A run() before start() may have installed a context manager; the SDK registers its own.
  releaseContextManager();
  // With a store, the fleet's drift baselines start loading now, off every call's path.
  void preloadDriftBaselines();
  const instrumentations = config.instrumentations === 'auto' ? loadInstalledAdapters() : config.instrumentations || [];
  if (config.sdkDisabled) {
    // Nothing is recorded, but runs must still see their context (`currentRun()`, steps), and
    // telemetry off is not safety off: the adapters still patch their libraries, so model calls
    // are held to boundaries and checkpoints; with no SDK registered, their spans record nothing.
    const { AsyncLocalStorageContextManager } = load('@opentelemetry/context-async-hooks') as typeof ContextAsyncHooks;
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    (
      load('@opentelemetry/instrumentation') as { registerInstrumentations: typeof registerInstrumentations }
    ).registerInstrumentations({ instrumentations });
    const names = instrumentations.map((instrumentation) => instrumentation.instrumentationName);
    slot.handle = {
      enabled: false,
      config,
      instrumentations: names,
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    return slot.handle;
  }

  const { createExportPipeline } = load('./exporters.js') as typeof Exporters;
  const { NodeSDK } = load('@opentelemetry/sdk-node') as typeof SdkNode;
  const pipeline = createExportPipeline(config);
  // Kept, so that a later start({ evidence }) can sign the runs that start after it.
  slot.runSpanProcessor =
    pipeline.spanProcessors.length > 0 ? new RunSpanProcessor({ evidence: config.evidence }) : undefined;
  const sdk = new NodeSDK({
    resource: createResource(config),
    autoDetectResources: false,
    spanProcessors: slot.runSpanProcessor === undefined ? [] : [slot.runSpanProcessor, ...pipeline.spanProcessors],
    metricReaders: pipeline.metricReaders,
    logRecordProcessors: [],
    instrumentations,
    ...(pipeline.sampler === undefined ? {} : { sampler: pipeline.sampler }),
  });
  sdk.start();

  // Drift observations not yet written go to the store within the same budget as the telemetry.
  const stopSdk = () => Promise.all([sdk.shutdown(), flushDriftBaselines()]).then(() => undefined);
  const shutdown = new Shutdown({ stopSdk, pipeline, budgetMillis: () => config.shutdownTimeoutMillis });
  const forceFlush = () => Promise.all([forceFlushGlobalProviders(), flushDriftBaselines()]).then(() => undefined);
  if (isMainThread) installExitHooks(shutdown, forceFlush);
  const handle: RunproofHandle = {
    enabled: true,
    config,
    instrumentations: instrumentations.map((instrumentation) => instrumentation.instrumentationName),
    forceFlush,
    shutdown: () => shutdown.stop(),
  };
  slot.handle = handle;
  return handle;
}

/** The settings adapters read at call time, from the configuration in force. */
function settingsOf(config: ResolvedConfig): Settings {
  return {
    captureContent: config.captureContent,
    redact: config.redact,
    maxContentBytes: config.maxContentBytes,
    manifestMaxBytes: config.manifestMaxBytes,
    codeVersion:
      config.codeVersion ??
      codeVersionFromEnvironment() ??
      config.serviceVersion ??
      serviceVersionFromEnvironment() ??
      null,
  };
}

function createResource(config: ResolvedConfig) {
  const { defaultResource, detectResources, envDetector, hostDetector, processDetector, resourceFromAttributes } = load(
    '@opentelemetry/resources',
  ) as typeof Resources;
  const fromOptions: Record<string, string | number | boolean> = {
    [ATTR_TELEMETRY_SDK_NAME]: 'runproof',
    [ATTR_TELEMETRY_SDK_VERSION]: VERSION,
  };
  if (config.serviceName !== undefined) fromOptions[ATTR_SERVICE_NAME] = config.serviceName;
  if (config.serviceVersion !== undefined) fromOptions[ATTR_SERVICE_VERSION] = config.serviceVersion;
  // Merge order makes options win over OTEL_RESOURCE_ATTRIBUTES, which wins over detected values.
  return defaultResource()
    .merge(detectResources({ detectors: [processDetector, hostDetector] }))
    .merge(resourceFromAttributes(config.resourceAttributes))
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes(fromOptions));
}

function serviceVersionFromEnvironment(): string | undefined {
  const match = /(?:^|,)\s*service\.version\s*=\s*([^,]+)/.exec(process.env.OTEL_RESOURCE_ATTRIBUTES ?? '');
  return match?.[1]?.trim();
}

/**
 * Loads each installed adapter: resolved from the application first (its `node_modules`), then
 * from this package, so both a normal install and a workspace find them.
 */
function loadInstalledAdapters(): Instrumentation[] {
  const loaded: Instrumentation[] = [];
  const requirers = [createRequire(join(process.cwd(), 'package.json')), createRequire(import.meta.url)];
  for (const name of KNOWN_ADAPTERS) {
    const adapter = requireFirst(requirers, name) as { createInstrumentation?: () => Instrumentation } | undefined;
    if (adapter === undefined) continue;
    try {
      if (typeof adapter.createInstrumentation !== 'function')
        throw new TypeError('it has no createInstrumentation() export');
      loaded.push(adapter.createInstrumentation());
    } catch (error) {
      diag.warn(`runproof: ${name} is installed but could not be loaded; its calls will not be traced`, error);
    }
  }
  return loaded;
}

function requireFirst(requirers: NodeJS.Require[], name: string): unknown {
  for (const requireFrom of requirers) {
    try {
      return requireFrom(name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') {
        diag.warn(`runproof: loading ${name} failed`, error);
        return undefined;
      }
    }
  }
  return undefined;
}

async function forceFlushGlobalProviders(): Promise<void> {
  const tracerProvider = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const delegate = (tracerProvider.getDelegate?.() ?? tracerProvider) as { forceFlush?: () => Promise<void> };
  const meterProvider = metrics.getMeterProvider() as { forceFlush?: () => Promise<void> };
  await Promise.all([delegate.forceFlush?.(), meterProvider.forceFlush?.()]);
}
