import { accessSync, constants, statSync } from 'node:fs';
import type { Issue } from '../errors.ts';
import {
  headerProblem,
  httpUrl,
  metricExporterName,
  MINIMUMS,
  storeUrlProblem,
  traceExporterName,
  type FileOptions,
  type OtlpCompression,
  type OtlpProtocol,
} from './options.ts';

/** The samplers `OTEL_TRACES_SAMPLER` names. */
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';
/** `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`. */
export type MetricTemporality = 'cumulative' | 'delta' | 'lowmemory';
/** PEM files for OTLP over HTTPS: a CA to trust, and a client certificate and key. */
export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}
/** What `OTEL_EXPORTER_OTLP_TRACES_*` or `OTEL_EXPORTER_OTLP_METRICS_*` set for one signal. */
export interface SignalSettings {
  /** The whole URL, used as given. */
  url?: string;
  protocol?: OtlpProtocol;
  headers?: Record<string, string>;
  timeoutMillis?: number;
  compression?: OtlpCompression;
  tls: TlsFiles;
}
/** `OTEL_BSP_*`. */
export interface SpanBatchSettings {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
}

/** Everything the environment sets, typed, with each bad variable as an issue. */
export interface EnvironmentSettings {
  /** The variables that set an option, in the options' shape. */
  options: FileOptions;
  /** `OTEL_EXPORTER_OTLP_CERTIFICATE`, `…_CLIENT_CERTIFICATE`, `…_CLIENT_KEY`. */
  tls: TlsFiles;
  traces: SignalSettings;
  metrics: SignalSettings;
  spanBatch: Partial<SpanBatchSettings>;
  metricExportTimeoutMillis: number | undefined;
  metricTemporality: MetricTemporality | undefined;
  sampler: { name: SamplerName; ratio: number } | undefined;
  sdkDisabled: boolean;
  issues: Issue[];
}

type Parsed<T> = { value: T } | { problem: string };
type Parser<T> = (raw: string) => Parsed<T>;

const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];
const LOG_LEVELS = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];

/**
 * Reads every `OTEL_*` and `RUNPROOF_*` variable Runproof resolves (the README's configuration
 * table), checking each as strictly as the config file's fields: a bad one is an issue naming it,
 * never a value silently ignored. Header values are never quoted back (they carry API keys).
 */
export function readEnvironment(environment: NodeJS.ProcessEnv): EnvironmentSettings {
  const issues: Issue[] = [];
  const read = <T>(name: string, parse: Parser<T>): T | undefined => {
    const raw = environment[name]?.trim();
    if (raw === undefined || raw === '') return undefined;
    const parsed = parse(raw);
    if ('problem' in parsed) {
      issues.push({ code: 'invalid_value', path: [name], message: parsed.problem });
      return undefined;
    }
    return parsed.value;
  };
  const signal = (prefix: string): SignalSettings => ({
    url: read(`${prefix}ENDPOINT`, url),
    protocol: read(
      `${prefix}PROTOCOL`,
      oneOf(['http/protobuf', 'http/json'] as const, '"http/protobuf" or "http/json" (gRPC is not supported)', false),
    ),
    headers: read(`${prefix}HEADERS`, headerList),
    timeoutMillis: read(`${prefix}TIMEOUT`, integer(1, 'milliseconds')),
    compression: read(`${prefix}COMPRESSION`, oneOf(['gzip', 'none'] as const, '"gzip" or "none"')),
    tls: {
      ca: read(`${prefix}CERTIFICATE`, readableFile),
      cert: read(`${prefix}CLIENT_CERTIFICATE`, readableFile),
      key: read(`${prefix}CLIENT_KEY`, readableFile),
    },
  });

  const general = signal('OTEL_EXPORTER_OTLP_');
  const options: FileOptions = {
    serviceName: read('OTEL_SERVICE_NAME', (raw) => ({ value: raw })),
    traceExporters: read('OTEL_TRACES_EXPORTER', list(traceExporterName.options)),
    metricExporters: read('OTEL_METRICS_EXPORTER', list(metricExporterName.options)),
    otlp: {
      endpoint: general.url,
      protocol: general.protocol,
      headers: general.headers,
      timeoutMillis: general.timeoutMillis,
      compression: general.compression,
    },
    metricExportIntervalMillis: read('OTEL_METRIC_EXPORT_INTERVAL', integer(1, 'milliseconds')),
    shutdownTimeoutMillis: read('RUNPROOF_SHUTDOWN_TIMEOUT_MS', integer(0, 'milliseconds')),
    captureContent: read('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT', (raw) => {
      const value = parseCaptureContent(raw);
      return value === undefined
        ? { problem: `expected true, false, span_only, span_and_event, event_only or no_content, got "${raw}"` }
        : { value };
    }),
    maxContentBytes: read('RUNPROOF_MAX_CONTENT_BYTES', integer(MINIMUMS.maxContentBytes, 'bytes')),
    manifestMaxBytes: read('RUNPROOF_MANIFEST_MAX_BYTES', integer(MINIMUMS.manifestMaxBytes, 'bytes')),
    codeVersion: read('RUNPROOF_CODE_VERSION', (raw) => ({ value: raw })),
    store: read('RUNPROOF_STORE', (raw) => {
      const problem = storeUrlProblem(raw);
      return problem === undefined ? { value: raw } : { problem };
    }),
  };
  // Read by @runproof/core/register, checked here with the rest: how long it waits for the fleet's drift baselines.
  read('RUNPROOF_BASELINE_WAIT_MS', integer(0, 'milliseconds'));
  const leaseMs = read('RUNPROOF_LEASE_MS', integer(1, 'milliseconds'));
  const retentionMs = read('RUNPROOF_RETENTION_MS', integer(1, 'milliseconds'));
  if (leaseMs !== undefined || retentionMs !== undefined) options.durability = { leaseMs, retentionMs };
  const tracesFile = read('RUNPROOF_TRACES_FILE', (raw) => ({ value: raw }));
  if (tracesFile !== undefined) options.file = { path: tracesFile };
  const signingKeyFile = read('RUNPROOF_SIGNING_KEY_FILE', (raw) => ({ value: raw }));
  const evidenceDirectory = read('RUNPROOF_EVIDENCE_DIR', (raw) => ({ value: raw }));
  if (signingKeyFile !== undefined || evidenceDirectory !== undefined)
    options.evidence = { keyFile: signingKeyFile, directory: evidenceDirectory };
  read('OTEL_RESOURCE_ATTRIBUTES', resourceAttributeList);

  const spanBatch: Partial<SpanBatchSettings> = {
    maxQueueSize: read('OTEL_BSP_MAX_QUEUE_SIZE', integer(1, 'spans')),
    maxExportBatchSize: read('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', integer(1, 'spans')),
    scheduledDelayMillis: read('OTEL_BSP_SCHEDULE_DELAY', integer(0, 'milliseconds')),
    exportTimeoutMillis: read('OTEL_BSP_EXPORT_TIMEOUT', integer(1, 'milliseconds')),
  };
  const samplerName = read('OTEL_TRACES_SAMPLER', oneOf(SAMPLERS, SAMPLERS.join(', ')));
  const ratio = samplerName?.endsWith('traceidratio') ? read('OTEL_TRACES_SAMPLER_ARG', probability) : undefined;
  const disabled = read('OTEL_SDK_DISABLED', oneOf(['true', 'false'] as const, 'true or false'));
  read('OTEL_LOG_LEVEL', oneOf(LOG_LEVELS, LOG_LEVELS.join(', ')));

  return {
    options,
    tls: general.tls,
    traces: signal('OTEL_EXPORTER_OTLP_TRACES_'),
    metrics: signal('OTEL_EXPORTER_OTLP_METRICS_'),
    spanBatch,
    metricExportTimeoutMillis: read('OTEL_METRIC_EXPORT_TIMEOUT', integer(1, 'milliseconds')),
    metricTemporality: read(
      'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
      oneOf(['cumulative', 'delta', 'lowmemory'] as const, 'cumulative, delta or lowmemory'),
    ),
    sampler: samplerName === undefined ? undefined : { name: samplerName, ratio: ratio ?? 1 },
    sdkDisabled: disabled === 'true',
    issues,
  };
}

/** The GenAI capture variable takes booleans and the newer mode names; any mode that puts content on spans is `true`. */
export function parseCaptureContent(raw: string): boolean | undefined {
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'span_only', 'span_and_event', 'event_only'].includes(value)) return true;
  if (['false', '0', 'no_content', 'none'].includes(value)) return false;
  return undefined;
}

function url(raw: string): Parsed<string> {
  return httpUrl.safeParse(raw).success ? { value: raw } : { problem: `expected an http(s) URL, got "${raw}"` };
}

function integer(minimum: number, unit: string): Parser<number> {
  const expected =
    minimum === 0
      ? 'a non-negative integer'
      : minimum === 1
        ? 'a positive integer'
        : `an integer of at least ${minimum}`;
  return (raw) =>
    /^\d+$/.test(raw) && Number(raw) >= minimum
      ? { value: Number(raw) }
      : { problem: `expected ${expected} (${unit}), got "${raw}"` };
}

function probability(raw: string): Parsed<number> {
  const value = Number(raw);
  return /^\s*[\d.]+(e-?\d+)?\s*$/i.test(raw) && value >= 0 && value <= 1
    ? { value }
    : { problem: `expected a sampling ratio from 0 to 1, got "${raw}"` };
}

function oneOf<T extends string>(allowed: readonly T[], expected: string, caseInsensitive = true): Parser<T> {
  return (raw) => {
    const value = caseInsensitive ? raw.toLowerCase() : raw;
    return (allowed as readonly string[]).includes(value)
      ? { value: value as T }
      : { problem: `expected ${expected}, got "${raw}"` };
  };
}

function list<T extends string>(allowed: readonly T[]): Parser<T[]> {
  return (raw) => {
    const names = raw
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== '');
    return names.every((name) => (allowed as readonly string[]).includes(name))
      ? { value: names as T[] }
      : { problem: `expected a comma-separated list of ${allowed.join(', ')}, got "${raw}"` };
  };
}

/** `name=value,…` with percent-encoded values (the W3C Baggage format OpenTelemetry uses). */
function keyValueList(
  raw: string,
  check: (name: string, value: string) => string | undefined,
): Parsed<Record<string, string>> {
  const record: Record<string, string> = {};
  const entries = raw.split(',');
  for (const [index, entry] of entries.entries()) {
    if (entry.trim() === '' && index === entries.length - 1) continue;
    const separator = entry.indexOf('=');
    const name = separator < 0 ? entry.trim() : entry.slice(0, separator).trim();
    const where = `entry ${index + 1}${name === '' || separator < 0 ? '' : ` ("${name}")`}`;
    if (separator <= 0 || name === '')
      return { problem: `expected comma-separated name=value pairs; ${where} has no name=value` };
    let value: string;
    try {
      value = decodeURIComponent(entry.slice(separator + 1).trim());
    } catch {
      return {
        problem: `expected comma-separated name=value pairs with percent-encoded values; the value of ${where} is not valid percent-encoding`,
      };
    }
    const problem = check(name, value);
    if (problem !== undefined) return { problem: `expected comma-separated name=value pairs; ${problem}` };
    record[name] = value;
  }
  return { value: record };
}

function headerList(raw: string): Parsed<Record<string, string>> {
  return keyValueList(raw, headerProblem);
}

function resourceAttributeList(raw: string): Parsed<Record<string, string>> {
  return keyValueList(raw, () => undefined);
}

function readableFile(raw: string): Parsed<string> {
  try {
    accessSync(raw, constants.R_OK);
    if (statSync(raw).isFile()) return { value: raw };
    return { problem: `expected a PEM file, got "${raw}", which is not a file` };
  } catch (error) {
    return {
      problem: `expected a PEM file, cannot read "${raw}" (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    };
  }
}
