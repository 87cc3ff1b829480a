import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';

const app = fileURLToPath(new URL('./apps/workflow.mjs', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'runproof-register-'));
const register = ['--import', '@runproof/core/register'];

test('a bad RUNPROOF_CONFIG stops start-up with one message naming the field, before the app runs', async () => {
  const config = join(directory, 'bad.json');
  writeFileSync(
    config,
    JSON.stringify({ serviceName: 'billing', otlp: { protocol: 'grpc' }, traceExporter: ['file'] }),
  );
  const result = await runApp(app, { args: register, env: { RUNPROOF_CONFIG: config } });
  assert.equal(result.code, 78);
  assert.equal(result.stdout, '', 'the app did not run');
  assert.equal(
    result.stderr,
    `Invalid Runproof configuration (RUNPROOF_CONFIG=${config}):\n  - otlp.protocol: expected "http/protobuf" or "http/json" (gRPC is not supported)\n  - (root): unknown field "traceExporter"\n`,
  );
});

test('a bad OTEL_* variable stops start-up naming the variable', async () => {
  const result = await runApp(app, { args: register, env: { OTEL_TRACES_EXPORTER: 'jaeger' } });
  assert.equal(result.code, 78);
  assert.match(
    result.stderr,
    /^Invalid Runproof configuration \(environment\):\n {2}- OTEL_TRACES_EXPORTER: expected a comma-separated list of otlp, console, file, none, got "jaeger"\n$/,
  );
});

test('the file exporter writes one OTLP JSON document with every span of the run', async () => {
  const path = join(directory, 'traces.json');
  const result = await runApp(app, {
    args: register,
    env: { OTEL_TRACES_EXPORTER: 'file', RUNPROOF_TRACES_FILE: path, OTEL_SERVICE_NAME: 'billing' },
  });
  assert.equal(result.code, 0, result.stderr);
  const { runId } = JSON.parse(result.stdout) as { runId: string };
  const document = JSON.parse(readFileSync(path, 'utf8')) as {
    resourceSpans: {
      resource: { attributes: { key: string; value: { stringValue?: string } }[] };
      scopeSpans: {
        spans: { name: string; traceId: string; attributes: { key: string; value: { stringValue?: string } }[] }[];
      }[];
    }[];
  };
  const spans = document.resourceSpans.flatMap((resourceSpans) =>
    resourceSpans.scopeSpans.flatMap((scope) => scope.spans),
  );
  assert.deepEqual(spans.map((span) => span.name).sort(), [
    'invoke_workflow invoice-triage',
    'parse pdf',
    'step classify',
    'step extract',
  ]);
  for (const span of spans) {
    assert.equal(span.attributes.find((attribute) => attribute.key === 'runproof.run.id')?.value.stringValue, runId);
    assert.match(span.traceId, /^[0-9a-f]{32}$/, 'OTLP JSON uses hex ids');
  }
  const serviceName = document.resourceSpans[0]?.resource.attributes.find(
    (attribute) => attribute.key === 'service.name',
  );
  assert.equal(serviceName?.value.stringValue, 'billing');
});

test('OTEL_SDK_DISABLED=true leaves the app running with nothing recorded', async () => {
  const path = join(directory, 'disabled.json');
  const result = await runApp(app, {
    args: register,
    env: { OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'file', RUNPROOF_TRACES_FILE: path },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match((JSON.parse(result.stdout) as { runId: string }).runId, /^[0-9a-f-]{36}$/);
  assert.throws(() => readFileSync(path), /ENOENT/);
});

test('OTEL_TRACES_SAMPLER=always_off records no spans but the run still works', async () => {
  const path = join(directory, 'sampled-out.json');
  const result = await runApp(app, {
    args: register,
    env: { OTEL_TRACES_SAMPLER: 'always_off', OTEL_TRACES_EXPORTER: 'file', RUNPROOF_TRACES_FILE: path },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.throws(() => readFileSync(path), /ENOENT/);
});

test('start() is idempotent, loads the installed adapters, and the console exporter prints spans', async () => {
  const result = await runApp(fileURLToPath(new URL('./apps/start-twice.mjs', import.meta.url)));
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stderr.trim().split('\n').at(-1)!) as {
    same: boolean;
    enabled: boolean;
    instrumentations: string[];
    service: string;
  };
  assert.deepEqual(report, {
    same: true,
    enabled: true,
    instrumentations: ['@runproof/openai-adapter', '@runproof/langchain-adapter'],
    service: 'twice',
  });
  assert.match(result.stdout, /name: 'invoke_workflow console-run'/);
  assert.match(result.stdout, /'runproof\.run\.outcome': 'completed'/);
});
