import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { DurabilityOptions } from '../continuity/durability.ts';
import { parseStoreUrl } from '../continuity/store-url.ts';
import type { ConfigError } from '../errors.ts';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { z } from 'zod';
import type { Issue } from '../errors.ts';
import { codePolicySchema, jsonPolicySchema, policiesSchema, type BoundaryPolicy } from '../boundary/policy.ts';
import type { Redactor } from '../settings.ts';
import { evidenceFileSchema, evidenceOptionsSchema, type EvidenceOptions } from '../evidence/evidence-options.ts';

/** Where traces go: OTLP/HTTP, the console, an OTLP JSON file Jaeger opens, or nowhere. */
export type TraceExporterName = 'otlp' | 'console' | 'file' | 'none';
/** Where metrics go. */
export type MetricExporterName = 'otlp' | 'console' | 'none';
/** The OTLP/HTTP encodings Runproof exports with (gRPC is not bundled). */
export type OtlpProtocol = 'http/protobuf' | 'http/json';
/** How OTLP request bodies are compressed. */
export type OtlpCompression = 'gzip' | 'none';

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
  /**
   * OTLP/HTTP settings. The signal-specific variables (`OTEL_EXPORTER_OTLP_TRACES_*`,
   * `OTEL_EXPORTER_OTLP_METRICS_*`) override these for their signal.
   */
  otlp?: {
    /** Base URL; `/v1/traces` and `/v1/metrics` are appended. Env: `OTEL_EXPORTER_OTLP_ENDPOINT`. Default: `http://localhost:4318`. */
    endpoint?: string;
    /** Env: `OTEL_EXPORTER_OTLP_PROTOCOL`. Default: `http/protobuf`. */
    protocol?: OtlpProtocol;
    /** HTTP headers sent with every export, e.g. an API key. Env: `OTEL_EXPORTER_OTLP_HEADERS` (`name=value,…`, values percent-encoded). */
    headers?: Record<string, string>;
    /** How long one export may take, retries included, in milliseconds. Env: `OTEL_EXPORTER_OTLP_TIMEOUT`. Default: 10000. */
    timeoutMillis?: number;
    /** Env: `OTEL_EXPORTER_OTLP_COMPRESSION`. Default: `none`. */
    compression?: OtlpCompression;
  };
  /** The `file` trace exporter: OTLP JSON that Jaeger's UI opens. Env: `RUNPROOF_TRACES_FILE`. Default path: `runproof-traces.json`. */
  file?: { path?: string };
  /** Env: `OTEL_METRIC_EXPORT_INTERVAL`. Default: 60000. */
  metricExportIntervalMillis?: number;
  /**
   * How long Runproof may hold the process at its end (the event loop empty, `process.exit()`, an
   * uncaught exception, SIGTERM or SIGINT) to send what is still queued, in milliseconds; what is
   * not sent by then is counted in one warning. Also bounds `shutdown()`. `0` sends nothing more.
   * Env: `RUNPROOF_SHUTDOWN_TIMEOUT_MS`. Default: 2000.
   */
  shutdownTimeoutMillis?: number;
  /**
   * Record prompts, completions, tool arguments and results as span attributes.
   * Env: `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` (`true`, `false`, `span_only`, `no_content`…). Default: false.
   */
  captureContent?: boolean;
  /** Rewrites captured content before it is recorded; returning `undefined` drops it. Code only. */
  redact?: Redactor;
  /** Size cap of each captured content attribute, in bytes (at least 256). Env: `RUNPROOF_MAX_CONTENT_BYTES`. Default: 16384. */
  maxContentBytes?: number;
  /** Size cap of the manifest event, in bytes (at least 1024). Env: `RUNPROOF_MANIFEST_MAX_BYTES`. Default: 16384. */
  manifestMaxBytes?: number;
  /** The code version in manifests. Env: `RUNPROOF_CODE_VERSION`, then `GIT_COMMIT`, `GITHUB_SHA`…, then `ATTR_SERVICE_VERSION`. */
  codeVersion?: string;
  /** `'auto'` loads the installed Runproof adapters; `false` loads none; or pass instrumentations. Default: `'auto'`. */
  instrumentations?: 'auto' | false | Instrumentation[];
  /**
   * Where durable runs keep their journals (`run({ id, durable: true })`): `sqlite:./file.db`,
   * `postgres://…`, `redis://…`. Env: `RUNPROOF_STORE`. Default: `sqlite:./runproof-runs.db`,
   * opened on the first durable run. A store configured here or in `RUNPROOF_STORE` (not the
   * default) also keeps the fleet's drift baselines, loaded at start and written every second:
   * drift is then judged against what every process saw (see `docs/semantic-conventions.md`).
   */
  store?: string;
  /** How durable runs hold and keep their journals. See `docs/durable-runs.md`. */
  durability?: Omit<DurabilityOptions, 'store'>;
  /**
   * Boundary policies by run name: every `run()` of that name is held to its policy unless it
   * passes its own `boundary`. Also the config file's `policies` (without `onEscalate`); a policy
   * given here replaces the file's policy of the same run name. A later `start()` (after
   * `--import @runproof/core/register`, say) adds its policies the same way. Default: none.
   */
  policies?: Record<string, BoundaryPolicy>;
  /**
   * Sign every run: with a key (`key`, `keyFile`, or a `sign` hook with its `publicKey`), each run
   * span gets a DSSE envelope of an in-toto statement about the run — its manifest and a ledger of
   * its spans — that `runproof verify` checks. Env: `RUNPROOF_SIGNING_KEY_FILE`,
   * `RUNPROOF_EVIDENCE_DIR`. Default: nothing is signed.
   */
  evidence?: EvidenceOptions;
}

/** What is wrong with a store URL, if anything (never quoting it: it may hold a password). */
export function storeUrlProblem(url: string): string | undefined {
  try {
    parseStoreUrl(url);
    return undefined;
  } catch (error) {
    return (error as ConfigError).issues?.[0]?.message ?? 'not a store URL';
  }
}

/** Smallest values accepted, the same from options, the config file and the environment. */
export const MINIMUMS = { maxContentBytes: 256, manifestMaxBytes: 1024 } as const;

export const traceExporterName = z.enum(['otlp', 'console', 'file', 'none']);
export const metricExporterName = z.enum(['otlp', 'console', 'none']);
export const protocol = z.enum(['http/protobuf', 'http/json'], {
  error: 'expected "http/protobuf" or "http/json" (gRPC is not supported)',
});
export const compression = z.enum(['gzip', 'none'], { error: 'expected "gzip" or "none"' });
const positiveInt = z.number().int().positive();
export const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/**
 * Why `name: value` cannot be an HTTP header, or `undefined` when it can. Never quotes the value
 * (headers carry API keys).
 */
export function headerProblem(name: string, value: string): string | undefined {
  try {
    validateHeaderName(name);
  } catch {
    return `"${name}" is not a valid HTTP header name`;
  }
  try {
    validateHeaderValue(name, value);
  } catch {
    return `the value of "${name}" has characters an HTTP header cannot carry`;
  }
  return undefined;
}

const headers = z.record(z.string(), z.string()).superRefine((record, context) => {
  for (const [name, value] of Object.entries(record)) {
    const problem = headerProblem(name, value);
    if (problem !== undefined) context.addIssue({ code: 'custom', path: [name], message: problem });
  }
});

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
      headers: headers.optional(),
      timeoutMillis: positiveInt.optional(),
      compression: compression.optional(),
    })
    .optional(),
  file: z.strictObject({ path: z.string().min(1).optional() }).optional(),
  metricExportIntervalMillis: positiveInt.optional(),
  shutdownTimeoutMillis: z.number().int().min(0).optional(),
  captureContent: z.boolean().optional(),
  maxContentBytes: z.number().int().min(MINIMUMS.maxContentBytes).optional(),
  manifestMaxBytes: z.number().int().min(MINIMUMS.manifestMaxBytes).optional(),
  codeVersion: z.string().min(1).optional(),
  store: z
    .string()
    .min(1)
    .superRefine((url, context) => {
      const problem = storeUrlProblem(url);
      if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  durability: z
    .strictObject({
      leaseMs: positiveInt.optional(),
      retentionMs: positiveInt.optional(),
      maxResultBytes: positiveInt.optional(),
    })
    .optional(),
  policies: policiesSchema(jsonPolicySchema).optional(),
  evidence: evidenceFileSchema.optional(),
};

export const fileOptionsSchema = z.strictObject(fileOptionsShape);
export const startOptionsSchema = z.strictObject({
  ...fileOptionsShape,
  redact: z.custom<Redactor>((value) => typeof value === 'function', 'expected a function').optional(),
  instrumentations: z
    .union([
      z.literal('auto'),
      z.literal(false),
      z.array(
        z.custom<Instrumentation>(
          (value) => typeof value === 'object' && value !== null,
          'expected an Instrumentation',
        ),
      ),
    ])
    .optional(),
  policies: policiesSchema(codePolicySchema).optional(),
  durability: z
    .strictObject({
      leaseMs: positiveInt.optional(),
      retentionMs: positiveInt.optional(),
      maxResultBytes: positiveInt.optional(),
      encodeResult: z
        .custom<(json: string) => string>((value) => typeof value === 'function', 'expected a function')
        .optional(),
      decodeResult: z
        .custom<(stored: string) => string>((value) => typeof value === 'function', 'expected a function')
        .optional(),
    })
    .optional(),
  evidence: evidenceOptionsSchema.optional(),
});

/** What a config file (or the environment, read into the same shape) can set. */
export type FileOptions = z.infer<typeof fileOptionsSchema>;

/** Validates `value` against `schema`: the parsed value, or the issues as data. */
export function parseOptions<T>(
  schema: z.ZodType<T>,
  value: unknown,
): { value: T; issues: [] } | { value: undefined; issues: Issue[] } {
  const result = schema.safeParse(value ?? {});
  if (result.success) return { value: result.data, issues: [] };
  return {
    value: undefined,
    issues: result.error.issues.map((issue) => ({
      code: issue.code,
      path: issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part)),
      message: describeIssue(issue),
    })),
  };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
  return issue.message;
}
