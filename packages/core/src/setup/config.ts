import { closeSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import type { DurabilityOptions } from '../continuity/durability.ts';
import { dirname } from 'node:path';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { ConfigError, type Issue } from '../errors.ts';
import type { BoundaryPolicy } from '../boundary/policy.ts';
import type { Redactor } from '../settings.ts';
import { readConfigFile } from './config-file.ts';
import {
  readEnvironment,
  type MetricTemporality,
  type SamplerName,
  type SignalSettings,
  type SpanBatchSettings,
  type TlsFiles,
} from './environment.ts';
import { resolveEvidence } from '../evidence/evidence-config.ts';
import type { ResolvedEvidence } from '../evidence/evidence-options.ts';
import {
  parseOptions,
  startOptionsSchema,
  type FileOptions,
  type MetricExporterName,
  type OtlpCompression,
  type OtlpProtocol,
  type StartOptions,
  type TraceExporterName,
} from './options.ts';

export type { MetricExporterName, OtlpCompression, OtlpProtocol, StartOptions, TraceExporterName } from './options.ts';
export type { MetricTemporality, SamplerName, SpanBatchSettings, TlsFiles } from './environment.ts';
export { parseCaptureContent } from './environment.ts';

/** Where one signal is sent over OTLP/HTTP and how. */
export interface OtlpTarget {
  /** The whole URL, e.g. `http://localhost:4318/v1/traces`. */
  url: string;
  protocol: OtlpProtocol;
  headers: Record<string, string>;
  /** How long one export may take, retries included. */
  timeoutMillis: number;
  compression: OtlpCompression;
  /** PEM file paths for HTTPS, read when the exporter is made. */
  tls: TlsFiles;
}

/** The options after resolution, with defaults applied. */
export interface ResolvedConfig {
  serviceName: string | undefined;
  serviceVersion: string | undefined;
  resourceAttributes: Record<string, string | number | boolean>;
  traceExporters: TraceExporterName[];
  metricExporters: MetricExporterName[];
  otlp: {
    endpoint: string | undefined;
    protocol: OtlpProtocol;
    headers: Record<string, string> | undefined;
    timeoutMillis: number | undefined;
    compression: OtlpCompression | undefined;
  };
  /** `otlp` for traces, after the `OTEL_EXPORTER_OTLP_TRACES_*` variables. */
  otlpTraces: OtlpTarget;
  /** `otlp` for metrics, after the `OTEL_EXPORTER_OTLP_METRICS_*` variables. */
  otlpMetrics: OtlpTarget;
  filePath: string;
  /** `OTEL_BSP_*`. Defaults: 2048 spans queued, batches of 512, every 5000 ms, each export given 30000 ms. */
  spanBatch: SpanBatchSettings;
  metricExportIntervalMillis: number;
  /** `OTEL_METRIC_EXPORT_TIMEOUT`, at most the interval. Default: 30000. */
  metricExportTimeoutMillis: number;
  /** `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`. Default: `cumulative`. */
  metricTemporality: MetricTemporality;
  /** `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`; `undefined` keeps the SDK's default (parent-based, always on). */
  sampler: { name: SamplerName; ratio: number } | undefined;
  /** `OTEL_SDK_DISABLED=true`: runs, boundaries and checkpoints work, nothing is recorded. */
  sdkDisabled: boolean;
  shutdownTimeoutMillis: number;
  captureContent: boolean;
  redact: Redactor | undefined;
  maxContentBytes: number;
  manifestMaxBytes: number;
  codeVersion: string | undefined;
  instrumentations: 'auto' | false | Instrumentation[];
  policies: Record<string, BoundaryPolicy>;
  /** Where durable runs keep their journals and how (`store`, `durability`); the store is opened on the first durable run. */
  durability: DurabilityOptions;
  /** Who signs runs, where envelopes also go; `undefined` when no key is configured (nothing is signed). */
  evidence: ResolvedEvidence | undefined;
}

const DEFAULT_ENDPOINT = 'http://localhost:4318';
const DEFAULT_SPAN_BATCH: SpanBatchSettings = {
  maxQueueSize: 2048,
  maxExportBatchSize: 512,
  scheduledDelayMillis: 5000,
  exportTimeoutMillis: 30_000,
};
const OPTIONS_SOURCE = 'start() options';
const ENVIRONMENT_SOURCE = 'environment';

/**
 * Validates options, the environment and the config file, and merges them (options > environment >
 * file > defaults). Throws one `ConfigError` listing every bad field of every source at once.
 */
export function resolveConfig(
  options: StartOptions = {},
  environment: NodeJS.ProcessEnv = process.env,
): ResolvedConfig {
  const problems = new Map<string, Issue[]>();
  const report = (source: string, issues: Issue[]) => {
    if (issues.length > 0) problems.set(source, [...(problems.get(source) ?? []), ...issues]);
  };
  const parsedOptions = parseOptions(startOptionsSchema, options);
  report(OPTIONS_SOURCE, parsedOptions.issues);
  const fromOptions = (parsedOptions.value ?? {}) as Omit<StartOptions, keyof FileOptions> & FileOptions;
  const file = readConfigFile(environment.RUNPROOF_CONFIG);
  if (file !== undefined) report(file.source, file.issues);
  const fromFile = file?.options ?? {};
  const fromEnvironment = readEnvironment(environment);
  report(ENVIRONMENT_SOURCE, fromEnvironment.issues);

  const env = fromEnvironment.options;
  const pick = <K extends keyof FileOptions>(key: K): FileOptions[K] => fromOptions[key] ?? env[key] ?? fromFile[key];
  const otlp = { ...defined(fromFile.otlp), ...defined(env.otlp), ...defined(fromOptions.otlp) };
  const spanBatch = { ...DEFAULT_SPAN_BATCH, ...defined(fromEnvironment.spanBatch) };
  if (spanBatch.maxExportBatchSize > spanBatch.maxQueueSize) {
    report(ENVIRONMENT_SOURCE, [
      {
        code: 'too_big',
        path: ['OTEL_BSP_MAX_EXPORT_BATCH_SIZE'],
        message: `expected at most the queue size (${spanBatch.maxQueueSize}, OTEL_BSP_MAX_QUEUE_SIZE), got "${spanBatch.maxExportBatchSize}"`,
      },
    ]);
  }
  const metricExportIntervalMillis = pick('metricExportIntervalMillis') ?? 60_000;
  const general = {
    endpoint: otlp.endpoint ?? DEFAULT_ENDPOINT,
    protocol: otlp.protocol ?? 'http/protobuf',
    headers: otlp.headers ?? {},
    timeoutMillis: otlp.timeoutMillis ?? 10_000,
    compression: otlp.compression ?? 'none',
    tls: fromEnvironment.tls,
  } as const;
  const config: ResolvedConfig = {
    serviceName: pick('serviceName'),
    serviceVersion: pick('serviceVersion'),
    resourceAttributes: { ...fromFile.resourceAttributes, ...fromOptions.resourceAttributes },
    traceExporters: pick('traceExporters') ?? ['otlp'],
    metricExporters: pick('metricExporters') ?? ['otlp'],
    otlp: {
      endpoint: otlp.endpoint,
      protocol: general.protocol,
      headers: otlp.headers,
      timeoutMillis: otlp.timeoutMillis,
      compression: otlp.compression,
    },
    otlpTraces: target(general, 'v1/traces', fromEnvironment.traces),
    otlpMetrics: target(general, 'v1/metrics', fromEnvironment.metrics),
    filePath: pick('file')?.path ?? 'runproof-traces.json',
    spanBatch,
    metricExportIntervalMillis,
    metricExportTimeoutMillis: Math.min(
      fromEnvironment.metricExportTimeoutMillis ?? 30_000,
      metricExportIntervalMillis,
    ),
    metricTemporality: fromEnvironment.metricTemporality ?? 'cumulative',
    sampler: fromEnvironment.sampler,
    sdkDisabled: fromEnvironment.sdkDisabled,
    shutdownTimeoutMillis: pick('shutdownTimeoutMillis') ?? 2000,
    captureContent: pick('captureContent') ?? false,
    redact: fromOptions.redact,
    maxContentBytes: pick('maxContentBytes') ?? 16_384,
    manifestMaxBytes: pick('manifestMaxBytes') ?? 16_384,
    codeVersion: pick('codeVersion'),
    instrumentations: fromOptions.instrumentations ?? 'auto',
    policies: {
      ...fromFile.policies,
      ...(fromOptions.policies as Record<string, BoundaryPolicy> | undefined),
    } as Record<string, BoundaryPolicy>,
    durability: {
      store: pick('store'),
      ...defined(fromFile.durability),
      ...defined(env.durability),
      ...defined(fromOptions.durability),
    },
    evidence: undefined,
  };

  const evidence = resolveEvidence([
    {
      source: OPTIONS_SOURCE,
      evidence: (parsedOptions.value as StartOptions | undefined)?.evidence,
      pathOf: (field) => ['evidence', field],
    },
    {
      source: ENVIRONMENT_SOURCE,
      evidence: env.evidence,
      pathOf: (field) => [field === 'directory' ? 'RUNPROOF_EVIDENCE_DIR' : 'RUNPROOF_SIGNING_KEY_FILE'],
    },
    { source: file?.source ?? '', evidence: fromFile.evidence, pathOf: (field) => ['evidence', field] },
  ]);
  for (const { source, issue } of evidence.problems) report(source, [issue]);
  config.evidence = evidence.evidence;

  if (config.traceExporters.includes('file') && !config.sdkDisabled) {
    const problem = unwritable(config.filePath);
    if (problem !== undefined) {
      const from =
        fromOptions.file?.path !== undefined
          ? OPTIONS_SOURCE
          : env.file?.path !== undefined || fromFile.file?.path === undefined
            ? ENVIRONMENT_SOURCE
            : file!.source;
      const path = from === ENVIRONMENT_SOURCE ? ['RUNPROOF_TRACES_FILE'] : ['file', 'path'];
      const fix =
        env.file?.path === undefined && from === ENVIRONMENT_SOURCE
          ? ' (the default path); set RUNPROOF_TRACES_FILE to a writable file'
          : '';
      report(from, [
        { code: 'unwritable', path, message: `cannot write the trace file "${config.filePath}" (${problem})${fix}` },
      ]);
    }
  }
  throwIfAny(problems);
  return config;
}

/** The signal's target: its own variables first, then the general settings. */
function target(
  general: Omit<OtlpTarget, 'url'> & { endpoint: string },
  signalPath: string,
  own: SignalSettings,
): OtlpTarget {
  return {
    url: own.url ?? `${general.endpoint.replace(/\/+$/, '')}/${signalPath}`,
    protocol: own.protocol ?? general.protocol,
    headers: { ...general.headers, ...own.headers },
    timeoutMillis: own.timeoutMillis ?? general.timeoutMillis,
    compression: own.compression ?? general.compression,
    tls: { ...defined(general.tls), ...defined(own.tls) },
  };
}

/**
 * Why the trace file cannot be written, or `undefined`. Checked by opening it as the exporter will
 * (creating its folder); a file made only for the check is removed, so no spans means no file.
 */
function unwritable(path: string): string | undefined {
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    if (stats?.isDirectory()) return 'it is a directory';
    if (stats !== undefined) {
      closeSync(openSync(path, 'a'));
      return undefined;
    }
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      // mkdir says EEXIST when a folder on the way is a file.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'ENOTDIR: a folder on the way is a file';
      throw error;
    }
    closeSync(openSync(path, 'wx'));
    unlinkSync(path);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

/** One error for every source with issues; with several, each issue not from the environment says where it is. */
function throwIfAny(problems: Map<string, Issue[]>): void {
  if (problems.size === 0) return;
  if (problems.size === 1) {
    const [[source, issues]] = [...problems] as [[string, Issue[]]];
    throw new ConfigError(source, issues);
  }
  const issues = [...problems].flatMap(([source, list]) =>
    source === ENVIRONMENT_SOURCE
      ? list
      : list.map((issue) => ({ ...issue, message: `${issue.message} [in ${source}]` })),
  );
  throw new ConfigError([...problems.keys()].join(', '), issues);
}

function defined<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
