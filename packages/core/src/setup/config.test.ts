import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, resolveConfig, type StartOptions } from '@runproof/core';

const directory = mkdtempSync(join(tmpdir(), 'runproof-config-'));
function configFile(content: string): string {
  const path = join(directory, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, content);
  return path;
}

function rejection(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.code, 'RUNPROOF_INVALID_CONFIG');
    return error.message;
  }
  assert.fail('expected the configuration to be rejected');
}

test('defaults follow the OpenTelemetry specification', () => {
  const config = resolveConfig({}, {});
  assert.deepEqual(
    {
      traceExporters: config.traceExporters,
      metricExporters: config.metricExporters,
      otlp: config.otlp,
      captureContent: config.captureContent,
      filePath: config.filePath,
    },
    {
      traceExporters: ['otlp'],
      metricExporters: ['otlp'],
      otlp: {
        endpoint: undefined,
        protocol: 'http/protobuf',
        headers: undefined,
        timeoutMillis: undefined,
        compression: undefined,
      },
      captureContent: false,
      filePath: 'runproof-traces.json',
    },
  );
  assert.deepEqual(config.otlpTraces, {
    url: 'http://localhost:4318/v1/traces',
    protocol: 'http/protobuf',
    headers: {},
    timeoutMillis: 10_000,
    compression: 'none',
    tls: {},
  });
  assert.deepEqual(config.spanBatch, {
    maxQueueSize: 2048,
    maxExportBatchSize: 512,
    scheduledDelayMillis: 5000,
    exportTimeoutMillis: 30_000,
  });
  assert.deepEqual(
    { shutdownTimeoutMillis: config.shutdownTimeoutMillis, sampler: config.sampler, sdkDisabled: config.sdkDisabled },
    { shutdownTimeoutMillis: 2000, sampler: undefined, sdkDisabled: false },
  );
});

test('options win over the environment, which wins over the config file', () => {
  const file = configFile(
    JSON.stringify({
      serviceName: 'from-file',
      traceExporters: ['file'],
      captureContent: true,
      otlp: { protocol: 'http/json', timeoutMillis: 5000 },
    }),
  );
  const environment = { RUNPROOF_CONFIG: file, OTEL_SERVICE_NAME: 'from-env', OTEL_TRACES_EXPORTER: 'console,otlp' };
  const config = resolveConfig({ serviceName: 'from-options' }, environment);
  assert.equal(config.serviceName, 'from-options');
  assert.deepEqual(config.traceExporters, ['console', 'otlp']);
  assert.equal(config.captureContent, true);
  assert.deepEqual(config.otlp, {
    endpoint: undefined,
    protocol: 'http/json',
    headers: undefined,
    timeoutMillis: 5000,
    compression: undefined,
  });
  assert.equal(
    resolveConfig({}, { ...environment, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'NO_CONTENT' })
      .captureContent,
    false,
  );
  assert.equal(
    resolveConfig({}, { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'span_only' }).captureContent,
    true,
  );
});

const badOptions: [string, StartOptions, RegExp][] = [
  ['an unknown field', { servicename: 'x' } as StartOptions, /\(root\): unknown field "servicename"/],
  [
    'an unknown exporter',
    { traceExporters: ['jaeger' as 'otlp'] },
    /traceExporters\[0\]: Invalid option: expected one of "otlp"\|"console"\|"file"\|"none"/,
  ],
  [
    'a gRPC protocol',
    { otlp: { protocol: 'grpc' as 'http/json' } },
    /otlp\.protocol: expected "http\/protobuf" or "http\/json" \(gRPC is not supported\)/,
  ],
  ['a non-URL endpoint', { otlp: { endpoint: 'collector:4318' } }, /otlp\.endpoint: expected an http\(s\) URL/],
  ['a negative timeout', { otlp: { timeoutMillis: -5 } }, /otlp\.timeoutMillis: Too small: expected number to be >0/],
  [
    'a misspelt nested field',
    { otlp: { endpont: 'http://x' } as StartOptions['otlp'] },
    /otlp: unknown field "endpont"/,
  ],
  [
    'a string where a boolean belongs',
    { captureContent: 'yes' as unknown as boolean },
    /captureContent: Invalid input: expected boolean, received string/,
  ],
  [
    'a redact hook that is not a function',
    { redact: 'mask' as unknown as StartOptions['redact'] },
    /redact: expected a function/,
  ],
  ['a tiny manifest cap', { manifestMaxBytes: 10 }, /manifestMaxBytes: Too small: expected number to be >=1024/],
  ['a wrong instrumentations value', { instrumentations: 'all' as 'auto' }, /instrumentations: /],
];
for (const [what, options, expected] of badOptions) {
  test(`start() options with ${what} are rejected with a message naming the field`, () => {
    assert.match(
      rejection(() => resolveConfig(options, {})),
      expected,
    );
  });
}

const badEnvironments: [string, Record<string, string>, RegExp][] = [
  [
    'OTEL_EXPORTER_OTLP_PROTOCOL=grpc',
    { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
    /OTEL_EXPORTER_OTLP_PROTOCOL: expected "http\/protobuf" or "http\/json" \(gRPC is not supported\), got "grpc"/,
  ],
  [
    'an unknown OTEL_TRACES_EXPORTER',
    { OTEL_TRACES_EXPORTER: 'otlp,zipkin' },
    /OTEL_TRACES_EXPORTER: expected a comma-separated list of otlp, console, file, none, got "otlp,zipkin"/,
  ],
  [
    'a non-numeric OTEL_METRIC_EXPORT_INTERVAL',
    { OTEL_METRIC_EXPORT_INTERVAL: '5s' },
    /OTEL_METRIC_EXPORT_INTERVAL: expected a positive integer \(milliseconds\), got "5s"/,
  ],
  [
    'an unknown capture mode',
    { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'sometimes' },
    /OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: expected true, false, span_only/,
  ],
  [
    'a relative OTEL_EXPORTER_OTLP_ENDPOINT',
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318' },
    /OTEL_EXPORTER_OTLP_ENDPOINT: expected an http\(s\) URL, got "localhost:4318"/,
  ],
  [
    'a relative OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'collector:4318/v1/traces' },
    /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: expected an http\(s\) URL, got "collector:4318\/v1\/traces"/,
  ],
  [
    'a header name with a space in OTEL_EXPORTER_OTLP_HEADERS',
    { OTEL_EXPORTER_OTLP_HEADERS: 'api key=abc' },
    /^Invalid Runproof configuration \(environment\):\n {2}- OTEL_EXPORTER_OTLP_HEADERS: expected comma-separated name=value pairs; "api key" is not a valid HTTP header name$/,
  ],
  [
    'an OTEL_EXPORTER_OTLP_TRACES_HEADERS entry without "="',
    { OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=ml,abc' },
    /OTEL_EXPORTER_OTLP_TRACES_HEADERS: expected comma-separated name=value pairs; entry 2 has no name=value$/,
  ],
  [
    'a header value that is not valid percent-encoding',
    { OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'authorization=Bearer%zz' },
    /OTEL_EXPORTER_OTLP_METRICS_HEADERS: .*the value of entry 1 \("authorization"\) is not valid percent-encoding$/,
  ],
  [
    'a header value with a line break',
    { OTEL_EXPORTER_OTLP_HEADERS: 'x-key=a%0Db' },
    /OTEL_EXPORTER_OTLP_HEADERS: expected comma-separated name=value pairs; the value of "x-key" has characters an HTTP header cannot carry$/,
  ],
  [
    'an unknown OTEL_TRACES_SAMPLER',
    { OTEL_TRACES_SAMPLER: 'ratio' },
    /OTEL_TRACES_SAMPLER: expected always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio, got "ratio"/,
  ],
  [
    'an OTEL_TRACES_SAMPLER_ARG out of range',
    { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '10' },
    /OTEL_TRACES_SAMPLER_ARG: expected a sampling ratio from 0 to 1, got "10"/,
  ],
  [
    'an OTEL_EXPORTER_OTLP_TIMEOUT with a unit',
    { OTEL_EXPORTER_OTLP_TIMEOUT: '10s' },
    /OTEL_EXPORTER_OTLP_TIMEOUT: expected a positive integer \(milliseconds\), got "10s"/,
  ],
  [
    'an OTEL_EXPORTER_OTLP_METRICS_TIMEOUT of 0',
    { OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '0' },
    /OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: expected a positive integer \(milliseconds\), got "0"/,
  ],
  [
    'a negative OTEL_BSP_MAX_QUEUE_SIZE',
    { OTEL_BSP_MAX_QUEUE_SIZE: '-1' },
    /OTEL_BSP_MAX_QUEUE_SIZE: expected a positive integer \(spans\), got "-1"/,
  ],
  [
    'an OTEL_BSP_MAX_EXPORT_BATCH_SIZE above the queue size',
    { OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512' },
    /OTEL_BSP_MAX_EXPORT_BATCH_SIZE: expected at most the queue size \(100, OTEL_BSP_MAX_QUEUE_SIZE\), got "512"/,
  ],
  [
    'an OTEL_BSP_SCHEDULE_DELAY with a unit',
    { OTEL_BSP_SCHEDULE_DELAY: '5s' },
    /OTEL_BSP_SCHEDULE_DELAY: expected a non-negative integer \(milliseconds\), got "5s"/,
  ],
  [
    'an OTEL_BSP_EXPORT_TIMEOUT that is not a number',
    { OTEL_BSP_EXPORT_TIMEOUT: 'never' },
    /OTEL_BSP_EXPORT_TIMEOUT: expected a positive integer \(milliseconds\), got "never"/,
  ],
  ['OTEL_SDK_DISABLED=yes', { OTEL_SDK_DISABLED: 'yes' }, /OTEL_SDK_DISABLED: expected true or false, got "yes"/],
  [
    'an unknown OTEL_LOG_LEVEL',
    { OTEL_LOG_LEVEL: 'loud' },
    /OTEL_LOG_LEVEL: expected none, error, warn, info, debug, verbose, all, got "loud"/,
  ],
  [
    'an unknown OTEL_EXPORTER_OTLP_COMPRESSION',
    { OTEL_EXPORTER_OTLP_COMPRESSION: 'zip' },
    /OTEL_EXPORTER_OTLP_COMPRESSION: expected "gzip" or "none", got "zip"/,
  ],
  [
    'an unknown OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
    { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'monthly' },
    /OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: expected cumulative, delta or lowmemory, got "monthly"/,
  ],
  [
    'a missing OTEL_EXPORTER_OTLP_CERTIFICATE',
    { OTEL_EXPORTER_OTLP_CERTIFICATE: '/nonexistent/ca.pem' },
    /OTEL_EXPORTER_OTLP_CERTIFICATE: expected a PEM file, cannot read "\/nonexistent\/ca\.pem" \(ENOENT\)/,
  ],
  [
    'a malformed OTEL_RESOURCE_ATTRIBUTES',
    { OTEL_RESOURCE_ATTRIBUTES: 'service.version=1.2,team' },
    /OTEL_RESOURCE_ATTRIBUTES: expected comma-separated name=value pairs; entry 2 has no name=value/,
  ],
  [
    'an OTEL_METRIC_EXPORT_TIMEOUT with a unit',
    { OTEL_METRIC_EXPORT_TIMEOUT: '30s' },
    /OTEL_METRIC_EXPORT_TIMEOUT: expected a positive integer \(milliseconds\), got "30s"/,
  ],
  [
    'a RUNPROOF_SHUTDOWN_TIMEOUT_MS with a unit',
    { RUNPROOF_SHUTDOWN_TIMEOUT_MS: '2s' },
    /RUNPROOF_SHUTDOWN_TIMEOUT_MS: expected a non-negative integer \(milliseconds\), got "2s"/,
  ],
  [
    'a RUNPROOF_MAX_CONTENT_BYTES below the config file minimum',
    { RUNPROOF_MAX_CONTENT_BYTES: '10' },
    /RUNPROOF_MAX_CONTENT_BYTES: expected an integer of at least 256 \(bytes\), got "10"/,
  ],
  [
    'a RUNPROOF_MANIFEST_MAX_BYTES below the config file minimum',
    { RUNPROOF_MANIFEST_MAX_BYTES: '100' },
    /RUNPROOF_MANIFEST_MAX_BYTES: expected an integer of at least 1024 \(bytes\), got "100"/,
  ],
];
for (const [what, environment, expected] of badEnvironments) {
  test(`${what} is rejected with a message naming the variable`, () => {
    assert.match(
      rejection(() => resolveConfig({}, environment)),
      expected,
    );
  });
}

test('a header value is never quoted back in the error (it carries API keys)', () => {
  const message = rejection(() =>
    resolveConfig(
      {},
      { OTEL_EXPORTER_OTLP_HEADERS: 'api key=sk-live-123', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-key=sk%0D-live-456' },
    ),
  );
  assert.doesNotMatch(message, /sk-live|sk%0D/);
});

test('the OTLP variables resolve per signal: signal-specific ones override the general ones', () => {
  const config = resolveConfig(
    { otlp: { headers: { 'x-team': 'ml' } } },
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp/v1/traces',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-tenant=acme',
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-tenant=acme-metrics',
      OTEL_EXPORTER_OTLP_TIMEOUT: '3000',
      OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: 'gzip',
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
    },
  );
  // Options win over the environment for the general headers; the signal's own variables come on top.
  assert.deepEqual(config.otlpTraces, {
    url: 'https://traces.example.com/otlp/v1/traces',
    protocol: 'http/protobuf',
    headers: { 'x-team': 'ml' },
    timeoutMillis: 3000,
    compression: 'none',
    tls: {},
  });
  assert.deepEqual(config.otlpMetrics, {
    url: 'http://collector:4318/v1/metrics',
    protocol: 'http/json',
    headers: { 'x-team': 'ml', 'x-tenant': 'acme-metrics' },
    timeoutMillis: 3000,
    compression: 'gzip',
    tls: {},
  });
  assert.deepEqual(
    resolveConfig({}, { OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc, x-tenant = acme ,' }).otlpTraces
      .headers,
    { authorization: 'Bearer abc', 'x-tenant': 'acme' },
  );
});

test('sampler, batch, metric and shutdown variables resolve to what the SDK is given', () => {
  const config = resolveConfig(
    {},
    {
      OTEL_TRACES_SAMPLER: 'ParentBased_TraceIdRatio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_BSP_MAX_QUEUE_SIZE: '4096',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1024',
      OTEL_BSP_SCHEDULE_DELAY: '0',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_SDK_DISABLED: 'FALSE',
      OTEL_LOG_LEVEL: 'Debug',
      RUNPROOF_SHUTDOWN_TIMEOUT_MS: '0',
    },
  );
  assert.deepEqual(config.sampler, { name: 'parentbased_traceidratio', ratio: 0.25 });
  assert.deepEqual(config.spanBatch, {
    maxQueueSize: 4096,
    maxExportBatchSize: 1024,
    scheduledDelayMillis: 0,
    exportTimeoutMillis: 30_000,
  });
  assert.deepEqual(
    { interval: config.metricExportIntervalMillis, timeout: config.metricExportTimeoutMillis },
    { interval: 1000, timeout: 1000 },
  );
  assert.equal(config.sdkDisabled, false);
  assert.equal(config.shutdownTimeoutMillis, 0);
  assert.equal(
    resolveConfig({ shutdownTimeoutMillis: 5000 }, { RUNPROOF_SHUTDOWN_TIMEOUT_MS: '100' }).shutdownTimeoutMillis,
    5000,
  );
});

test('every bad source is reported at once: a bad config file does not hide bad variables', () => {
  const file = configFile(JSON.stringify({ otlp: { protocol: 'grpc' } }));
  const message = rejection(() =>
    resolveConfig(
      { manifestMaxBytes: 10 },
      {
        RUNPROOF_CONFIG: file,
        OTEL_EXPORTER_OTLP_HEADERS: 'api key=abc',
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_SDK_DISABLED: '1',
      },
    ),
  );
  assert.equal(
    message,
    [
      `Invalid Runproof configuration (start() options, RUNPROOF_CONFIG=${file}, environment):`,
      '  - manifestMaxBytes: Too small: expected number to be >=1024 [in start() options]',
      `  - otlp.protocol: expected "http/protobuf" or "http/json" (gRPC is not supported) [in RUNPROOF_CONFIG=${file}]`,
      '  - OTEL_EXPORTER_OTLP_HEADERS: expected comma-separated name=value pairs; "api key" is not a valid HTTP header name',
      '  - OTEL_TRACES_SAMPLER: expected always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio, got "sometimes"',
      '  - OTEL_SDK_DISABLED: expected true or false, got "1"',
    ].join('\n'),
  );
  // An unreadable file is one issue among the others too.
  assert.match(
    rejection(() => resolveConfig({}, { RUNPROOF_CONFIG: join(directory, 'missing.json'), OTEL_LOG_LEVEL: 'loud' })),
    /cannot read the file \(ENOENT\) \[in RUNPROOF_CONFIG=.*\n {2}- OTEL_LOG_LEVEL/,
  );
});

test('a config file starting with a UTF-8 byte order mark is read', () => {
  const file = configFile(`\uFEFF${JSON.stringify({ serviceName: 'billing' })}`);
  assert.equal(resolveConfig({}, { RUNPROOF_CONFIG: file }).serviceName, 'billing');
});

test('a bad header in the config file or the options is named by its field', () => {
  const file = configFile(JSON.stringify({ otlp: { headers: { 'api key': 'abc' } } }));
  assert.match(
    rejection(() => resolveConfig({}, { RUNPROOF_CONFIG: file })),
    /otlp\.headers\.api key: "api key" is not a valid HTTP header name$/,
  );
  assert.match(
    rejection(() => resolveConfig({ otlp: { headers: { authorization: 'Bearer a\r\nb' } } }, {})),
    /otlp\.headers\.authorization: the value of "authorization" has characters an HTTP header cannot carry$/,
  );
});

test('a trace file that cannot be written stops start-up naming where its path came from', () => {
  const aFile = configFile('{}');
  assert.match(
    rejection(() =>
      resolveConfig({}, { OTEL_TRACES_EXPORTER: 'file', RUNPROOF_TRACES_FILE: join(aFile, 'traces.json') }),
    ),
    /^Invalid Runproof configuration \(environment\):\n {2}- RUNPROOF_TRACES_FILE: cannot write the trace file ".*traces\.json" \(ENOTDIR: a folder on the way is a file\)$/,
  );
  assert.match(
    rejection(() => resolveConfig({ traceExporters: ['file'], file: { path: directory } }, {})),
    /\(start\(\) options\):\n {2}- file\.path: cannot write the trace file ".*" \(it is a directory\)$/,
  );
  // Not checked when nothing goes to the file; a writable path leaves no file behind.
  assert.doesNotThrow(() => resolveConfig({}, { RUNPROOF_TRACES_FILE: join(aFile, 'traces.json') }));
  const writable = join(directory, 'nested', 'traces.json');
  resolveConfig({}, { OTEL_TRACES_EXPORTER: 'file', RUNPROOF_TRACES_FILE: writable });
  assert.throws(() => readFileSync(writable), /ENOENT/);
});

test('every bad field is listed at once', () => {
  const message = rejection(() => resolveConfig({}, { OTEL_TRACES_EXPORTER: 'x', OTEL_METRICS_EXPORTER: 'y' }));
  assert.match(message, /OTEL_TRACES_EXPORTER/);
  assert.match(message, /OTEL_METRICS_EXPORTER/);
});

test('a config file that is missing, not JSON, or has a bad field is rejected naming the file and the field', () => {
  assert.match(
    rejection(() => resolveConfig({}, { RUNPROOF_CONFIG: join(directory, 'missing.json') })),
    /RUNPROOF_CONFIG=.*missing\.json.*cannot read the file \(ENOENT\)/s,
  );
  assert.match(
    rejection(() => resolveConfig({}, { RUNPROOF_CONFIG: configFile('{ "serviceName": ') })),
    /not valid JSON/,
  );
  assert.match(
    rejection(() => resolveConfig({}, { RUNPROOF_CONFIG: configFile('{"metricExporters":["prometheus"]}') })),
    /metricExporters\[0\]: Invalid option/,
  );
  assert.match(
    rejection(() => resolveConfig({}, { RUNPROOF_CONFIG: configFile('{"redact":"x"}') })),
    /unknown field "redact"/,
  );
});

test('the run store and durability: options over the environment over the file, each bad value named', () => {
  const file = configFile(
    JSON.stringify({ store: 'sqlite:./from-file.db', durability: { leaseMs: 9000, retentionMs: 3600000 } }),
  );
  assert.deepEqual(resolveConfig({}, { RUNPROOF_CONFIG: file, RUNPROOF_LEASE_MS: '4000' }).durability, {
    store: 'sqlite:./from-file.db',
    leaseMs: 4000,
    retentionMs: 3600000,
  });
  assert.deepEqual(
    resolveConfig(
      { store: 'redis://:secret@cache:6379/0', durability: { maxResultBytes: 1024 } },
      { RUNPROOF_STORE: 'postgres://db/runs' },
    ).durability,
    {
      store: 'redis://:secret@cache:6379/0',
      maxResultBytes: 1024,
    },
  );
  assert.equal(
    resolveConfig({}, {}).durability.store,
    undefined,
    'the default store is chosen when a durable run first needs one',
  );
  const message = rejection(() =>
    resolveConfig({ store: 'mysql://db/runs', durability: { leaseMs: 0 } }, { RUNPROOF_RETENTION_MS: 'a week' }),
  );
  assert.match(message, /store: expected a store URL starting with sqlite:, postgres:, postgresql:, redis: or rediss:/);
  assert.match(message, /durability\.leaseMs: /);
  assert.match(message, /RUNPROOF_RETENTION_MS: /);
  assert.doesNotMatch(
    rejection(() => resolveConfig({}, { RUNPROOF_STORE: 'redis://:hunter2@[bad' })),
    /hunter2/,
  );
});
