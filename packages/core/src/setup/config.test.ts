import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
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
    { traceExporters: config.traceExporters, metricExporters: config.metricExporters, otlp: config.otlp, captureContent: config.captureContent, filePath: config.filePath },
    { traceExporters: ['otlp'], metricExporters: ['otlp'], otlp: { endpoint: undefined, protocol: 'http/protobuf', headers: undefined, timeoutMillis: undefined }, captureContent: false, filePath: 'runproof-traces.json' },
  );
});

test('options win over the environment, which wins over the config file', () => {
  const file = configFile(JSON.stringify({ serviceName: 'from-file', traceExporters: ['file'], captureContent: true, otlp: { protocol: 'http/json', timeoutMillis: 5000 } }));
  const environment = { RUNPROOF_CONFIG: file, OTEL_SERVICE_NAME: 'from-env', OTEL_TRACES_EXPORTER: 'console,otlp' };
  const config = resolveConfig({ serviceName: 'from-options' }, environment);
  assert.equal(config.serviceName, 'from-options');
  assert.deepEqual(config.traceExporters, ['console', 'otlp']);
  assert.equal(config.captureContent, true);
  assert.deepEqual(config.otlp, { endpoint: undefined, protocol: 'http/json', headers: undefined, timeoutMillis: 5000 });
  assert.equal(resolveConfig({}, { ...environment, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'NO_CONTENT' }).captureContent, false);
  assert.equal(resolveConfig({}, { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'span_only' }).captureContent, true);
});

const badOptions: [string, StartOptions, RegExp][] = [
  ['an unknown field', { servicename: 'x' } as StartOptions, /\(root\): unknown field "servicename"/],
  ['an unknown exporter', { traceExporters: ['jaeger' as 'otlp'] }, /traceExporters\[0\]: Invalid option: expected one of "otlp"\|"console"\|"file"\|"none"/],
  ['a gRPC protocol', { otlp: { protocol: 'grpc' as 'http/json' } }, /otlp\.protocol: expected "http\/protobuf" or "http\/json" \(gRPC is not supported\)/],
  ['a non-URL endpoint', { otlp: { endpoint: 'collector:4318' } }, /otlp\.endpoint: expected an http\(s\) URL/],
  ['a negative timeout', { otlp: { timeoutMillis: -5 } }, /otlp\.timeoutMillis: Too small: expected number to be >0/],
  ['a misspelt nested field', { otlp: { endpont: 'http://x' } as StartOptions['otlp'] }, /otlp: unknown field "endpont"/],
  ['a string where a boolean belongs', { captureContent: 'yes' as unknown as boolean }, /captureContent: Invalid input: expected boolean, received string/],
  ['a redact hook that is not a function', { redact: 'mask' as unknown as StartOptions['redact'] }, /redact: expected a function/],
  ['a tiny manifest cap', { manifestMaxBytes: 10 }, /manifestMaxBytes: Too small: expected number to be >=1024/],
  ['a wrong instrumentations value', { instrumentations: 'all' as 'auto' }, /instrumentations: /],
];
for (const [what, options, expected] of badOptions) {
  test(`start() options with ${what} are rejected with a message naming the field`, () => {
    assert.match(rejection(() => resolveConfig(options, {})), expected);
  });
}

const badEnvironments: [string, Record<string, string>, RegExp][] = [
  ['OTEL_EXPORTER_OTLP_PROTOCOL=grpc', { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /OTEL_EXPORTER_OTLP_PROTOCOL: expected "http\/protobuf" or "http\/json" \(gRPC is not supported\), got "grpc"/],
  ['an unknown OTEL_TRACES_EXPORTER', { OTEL_TRACES_EXPORTER: 'otlp,zipkin' }, /OTEL_TRACES_EXPORTER: expected a comma-separated list of otlp, console, file, none, got "otlp,zipkin"/],
  ['a non-numeric OTEL_METRIC_EXPORT_INTERVAL', { OTEL_METRIC_EXPORT_INTERVAL: '5s' }, /OTEL_METRIC_EXPORT_INTERVAL: expected a positive integer \(milliseconds\), got "5s"/],
  ['an unknown capture mode', { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'sometimes' }, /OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: expected true, false, span_only/],
  ['a relative OTEL_EXPORTER_OTLP_ENDPOINT', { OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT: expected an http\(s\) URL, got "localhost:4318"/],
];
for (const [what, environment, expected] of badEnvironments) {
  test(`${what} is rejected with a message naming the variable`, () => {
    assert.match(rejection(() => resolveConfig({}, environment)), expected);
  });
}

test('every bad field is listed at once', () => {
  const message = rejection(() => resolveConfig({}, { OTEL_TRACES_EXPORTER: 'x', OTEL_METRICS_EXPORTER: 'y' }));
  assert.match(message, /OTEL_TRACES_EXPORTER/);
  assert.match(message, /OTEL_METRICS_EXPORTER/);
});

test('a config file that is missing, not JSON, or has a bad field is rejected naming the file and the field', () => {
  assert.match(rejection(() => resolveConfig({}, { RUNPROOF_CONFIG: join(directory, 'missing.json') })), /RUNPROOF_CONFIG=.*missing\.json.*cannot read the file \(ENOENT\)/s);
  assert.match(rejection(() => resolveConfig({}, { RUNPROOF_CONFIG: configFile('{ "serviceName": ') })), /not valid JSON/);
  assert.match(rejection(() => resolveConfig({}, { RUNPROOF_CONFIG: configFile('{"metricExporters":["prometheus"]}') })), /metricExporters\[0\]: Invalid option/);
  assert.match(rejection(() => resolveConfig({}, { RUNPROOF_CONFIG: configFile('{"redact":"x"}') })), /unknown field "redact"/);
});
