import { readFileSync } from 'node:fs';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { z } from 'zod';
import { ConfigError, type Issue } from '../errors.ts';
import { codePolicySchema, jsonPolicySchema, policiesSchema, type BoundaryPolicy } from '../boundary/policy.ts';
import type { Redactor } from '../settings.ts';

/** Where traces go: OTLP/HTTP, the console, an OTLP JSON file Jaeger opens, or nowhere. */
export type TraceExporterName = 'otlp' | 'console' | 'file' | 'none';
/** Where metrics go. */
export type MetricExporterName = 'otlp' | 'console' | 'none';
/** The OTLP/HTTP encodings Runproof exports with (gRPC is not bundled). */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/**
 * Options of `start()`. Every field is optional; each is resolved once, in this order: the value
 * given here, then its environment variable, then the `RUNPROOF_CONFIG` JSON file, then the default.
 */
export interface StartOptions {
  /** `ATTR_SERVICE_NAME`. Env: `OTEL_SERVICE_NAME`. Default: the SDK's `unknown_service:node`. */
  serviceName?: string;
  /** `ATTR_SERVICE_VERSION`; also the manifest's code version when no git SHA is set. Env: `OTEL_RESOURCE_ATTRIBUTES`. */
  serviceVersion?: string;
  /** Extra resource attributes. Env: `OTEL_RESOURCE_ATTRIBUTES` (merged). */
  resourceAttributes?: Record<string, string | number | boolean>;
  /** Where traces go. Env: `OTEL_TRACES_EXPORTER` (comma-separated). Default: `['otlp']`. */
  traceExporters?: TraceExporterName[];
  /** Where metrics go. Env: `OTEL_METRICS_EXPORTER`. Default: `['otlp']`. */
  metricExporters?: MetricExporterName[];
  /** OTLP/HTTP settings; unset fields follow the standard `OTEL_EXPORTER_OTLP_*` variables. */
  otlp?: {
    /** Base URL; `/v1/traces` and `/v1/metrics` are appended. Env: `OTEL_EXPORTER_OTLP_ENDPOINT`. Default: `http://localhost:4318`. */
    endpoint?: string;
    /** Env: `OTEL_EXPORTER_OTLP_PROTOCOL`. Default: `http/protobuf`. */
    protocol?: OtlpProtocol;
    /** Env: `OTEL_EXPORTER_OTLP_HEADERS`. */
    headers?: Record<string, string>;
    /** Env: `OTEL_EXPORTER_OTLP_TIMEOUT`. Default: 10000. */
    timeoutMillis?: number;
  };
  /** The `file` trace exporter: OTLP JSON that Jaeger's UI opens. Env: `RUNPROOF_TRACES_FILE`. Default path: `runproof-traces.json`. */
  file?: { path?: string };
  /** Env: `OTEL_METRIC_EXPORT_INTERVAL`. Default: 60000. */
  metricExportIntervalMillis?: number;
  /**
   * Record prompts, completions, tool arguments and results as span attributes.
   * Env: `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` (`true`, `false`, `span_only`, `no_content`…). Default: false.
   */
  captureContent?: boolean;
  /** Rewrites captured content before it is recorded; returning `undefined` drops it. Code only. */
  redact?: Redactor;
  /** Size cap of each captured content attribute, in bytes. Env: `RUNPROOF_MAX_CONTENT_BYTES`. Default: 16384. */
  maxContentBytes?: number;
  /** Size cap of the manifest event, in bytes. Env: `RUNPROOF_MANIFEST_MAX_BYTES`. Default: 16384. */
  manifestMaxBytes?: number;
  /** The code version in manifests. Env: `RUNPROOF_CODE_VERSION`, then `GIT_COMMIT`, `GITHUB_SHA`…, then `ATTR_SERVICE_VERSION`. */
  codeVersion?: string;
  /** `'auto'` loads the installed Runproof adapters; `false` loads none; or pass instrumentations. Default: `'auto'`. */
  instrumentations?: 'auto' | false | Instrumentation[];
  /**
   * Boundary policies by run name: every `run()` of that name is held to its policy unless it
   * passes its own `boundary`. Also the config file's `policies` (without `onEscalate`); a policy
   * given here replaces the file's policy of the same run name. Default: none.
   */
  policies?: Record<string, BoundaryPolicy>;
}

/** The options after resolution, with defaults applied. */
export interface ResolvedConfig {
  serviceName: string | undefined;
  serviceVersion: string | undefined;
  resourceAttributes: Record<string, string | number | boolean>;
  traceExporters: TraceExporterName[];
  metricExporters: MetricExporterName[];
  otlp: { endpoint: string | undefined; protocol: OtlpProtocol; headers: Record<string, string> | undefined; timeoutMillis: number | undefined };
  filePath: string;
  metricExportIntervalMillis: number;
  captureContent: boolean;
  redact: Redactor | undefined;
  maxContentBytes: number;
  manifestMaxBytes: number;
  codeVersion: string | undefined;
  instrumentations: 'auto' | false | Instrumentation[];
  policies: Record<string, BoundaryPolicy>;
}

const traceExporterName = z.enum(['otlp', 'console', 'file', 'none']);
const metricExporterName = z.enum(['otlp', 'console', 'none']);
const protocol = z.enum(['http/protobuf', 'http/json'], { error: 'expected "http/protobuf" or "http/json" (gRPC is not supported)' });
const positiveInt = z.number().int().positive();
const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/** The part of the options a JSON config file can hold (everything but functions and instances). */
const fileOptionsShape = {
  serviceName: z.string().min(1).optional(),
  serviceVersion: z.string().min(1).optional(),
  resourceAttributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  traceExporters: z.array(traceExporterName).optional(),
  metricExporters: z.array(metricExporterName).optional(),
  otlp: z
    .strictObject({
      endpoint: httpUrl.optional(),
      protocol: protocol.optional(),
      headers: z.record(z.string(), z.string()).optional(),
      timeoutMillis: positiveInt.optional(),
    })
    .optional(),
  file: z.strictObject({ path: z.string().min(1).optional() }).optional(),
  metricExportIntervalMillis: positiveInt.optional(),
  captureContent: z.boolean().optional(),
  maxContentBytes: z.number().int().min(256).optional(),
  manifestMaxBytes: z.number().int().min(1024).optional(),
  codeVersion: z.string().min(1).optional(),
  policies: policiesSchema(jsonPolicySchema).optional(),
};

const fileOptionsSchema = z.strictObject(fileOptionsShape);
const startOptionsSchema = z.strictObject({
  ...fileOptionsShape,
  redact: z.custom<Redactor>((value) => typeof value === 'function', 'expected a function').optional(),
  instrumentations: z
    .union([z.literal('auto'), z.literal(false), z.array(z.custom<Instrumentation>((value) => typeof value === 'object' && value !== null, 'expected an Instrumentation'))])
    .optional(),
  policies: policiesSchema(codePolicySchema).optional(),
});

type FileOptions = z.infer<typeof fileOptionsSchema>;

/**
 * Validates options, the environment and the config file, and merges them (options > environment >
 * file > defaults). Throws one `ConfigError` listing every bad field.
 */
export function resolveConfig(options: StartOptions = {}, environment: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const fromOptions = parseOrThrow(startOptionsSchema, options, 'start() options');
  const fromFile = readConfigFile(environment.RUNPROOF_CONFIG);
  const fromEnvironment = readEnvironment(environment);
  const pick = <K extends keyof FileOptions>(key: K): FileOptions[K] => fromOptions[key] ?? fromEnvironment[key] ?? fromFile[key];
  const otlp = { ...withoutUndefined(fromFile.otlp), ...withoutUndefined(fromEnvironment.otlp), ...withoutUndefined(fromOptions.otlp) };
  return {
    serviceName: pick('serviceName'),
    serviceVersion: pick('serviceVersion'),
    resourceAttributes: { ...fromFile.resourceAttributes, ...fromOptions.resourceAttributes },
    traceExporters: pick('traceExporters') ?? ['otlp'],
    metricExporters: pick('metricExporters') ?? ['otlp'],
    otlp: { endpoint: otlp.endpoint, protocol: otlp.protocol ?? 'http/protobuf', headers: otlp.headers, timeoutMillis: otlp.timeoutMillis },
    filePath: pick('file')?.path ?? 'runproof-traces.json',
    metricExportIntervalMillis: pick('metricExportIntervalMillis') ?? 60_000,
    captureContent: pick('captureContent') ?? false,
    redact: fromOptions.redact,
    maxContentBytes: pick('maxContentBytes') ?? 16_384,
    manifestMaxBytes: pick('manifestMaxBytes') ?? 16_384,
    codeVersion: pick('codeVersion'),
    instrumentations: fromOptions.instrumentations ?? 'auto',
    policies: { ...fromFile.policies, ...(fromOptions.policies as Record<string, BoundaryPolicy> | undefined) } as Record<string, BoundaryPolicy>,
  };
}

function withoutUndefined<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

function readConfigFile(path: string | undefined): FileOptions {
  if (path === undefined || path.trim() === '') return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`RUNPROOF_CONFIG=${path}`, [{ code: 'unreadable', path: [], message: `cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})` }]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`RUNPROOF_CONFIG=${path}`, [{ code: 'invalid_json', path: [], message: `not valid JSON (${(error as Error).message})` }]);
  }
  return parseOrThrow(fileOptionsSchema, parsed, `RUNPROOF_CONFIG=${path}`);
}

/** Reads the variables this SDK resolves itself; the OTLP exporters read the rest of `OTEL_EXPORTER_OTLP_*`. */
function readEnvironment(environment: NodeJS.ProcessEnv): FileOptions {
  const issues: Issue[] = [];
  const read = <T>(name: string, parse: (raw: string) => T | undefined, expected: string): T | undefined => {
    const raw = environment[name]?.trim();
    if (raw === undefined || raw === '') return undefined;
    const value = parse(raw);
    if (value === undefined) issues.push({ code: 'invalid_value', path: [name], message: `expected ${expected}, got "${raw}"` });
    return value;
  };
  const list = <T extends string>(allowed: readonly T[]) => (raw: string) => {
    const names = raw.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
    return names.every((name) => (allowed as readonly string[]).includes(name)) ? (names as T[]) : undefined;
  };
  const integer = (raw: string) => (/^\d+$/.test(raw) && Number(raw) > 0 ? Number(raw) : undefined);
  const protocolName = environment.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const result: FileOptions = {
    serviceName: read('OTEL_SERVICE_NAME', (raw) => raw, 'a name'),
    traceExporters: read('OTEL_TRACES_EXPORTER', list(traceExporterName.options), `a comma-separated list of ${traceExporterName.options.join(', ')}`),
    metricExporters: read('OTEL_METRICS_EXPORTER', list(metricExporterName.options), `a comma-separated list of ${metricExporterName.options.join(', ')}`),
    otlp: {
      protocol: read(protocolName, (raw) => (protocol.options as readonly string[]).includes(raw) ? (raw as OtlpProtocol) : undefined, '"http/protobuf" or "http/json" (gRPC is not supported)'),
      endpoint: read('OTEL_EXPORTER_OTLP_ENDPOINT', (raw) => (httpUrl.safeParse(raw).success ? raw : undefined), 'an http(s) URL'),
    },
    file: { path: read('RUNPROOF_TRACES_FILE', (raw) => raw, 'a file path') },
    metricExportIntervalMillis: read('OTEL_METRIC_EXPORT_INTERVAL', integer, 'a positive integer (milliseconds)'),
    captureContent: read('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT', parseCaptureContent, 'true, false, span_only, span_and_event, event_only or no_content'),
    maxContentBytes: read('RUNPROOF_MAX_CONTENT_BYTES', integer, 'a positive integer (bytes)'),
    manifestMaxBytes: read('RUNPROOF_MANIFEST_MAX_BYTES', integer, 'a positive integer (bytes)'),
    codeVersion: read('RUNPROOF_CODE_VERSION', (raw) => raw, 'a version'),
  };
  if (issues.length > 0) throw new ConfigError('environment', issues);
  if (result.file?.path === undefined) delete result.file;
  return result;
}

/** The GenAI capture variable takes booleans and the newer mode names; any mode that puts content on spans is `true`. */
export function parseCaptureContent(raw: string): boolean | undefined {
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'span_only', 'span_and_event', 'event_only'].includes(value)) return true;
  if (['false', '0', 'no_content', 'none'].includes(value)) return false;
  return undefined;
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, source: string): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new ConfigError(
    source,
    result.error.issues.map((issue) => ({ code: issue.code, path: issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part)), message: describeIssue(issue) })),
  );
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
  return issue.message;
}
