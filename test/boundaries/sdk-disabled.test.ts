import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';

// OTEL_SDK_DISABLED=true turns telemetry off, never safety: a zero-code app's model calls through
// the real openai client are held to their boundary as its tool calls are, and nothing is exported.
const app = fileURLToPath(new URL('./apps/sdk-disabled.mjs', import.meta.url));
let sim: Simulator;
/** The OTLP endpoint the app is given: it counts every request that reaches it, traces or metrics. */
let collector: Server;
let collectorUrl = '';
let exportRequests: string[] = [];
before(async () => {
  sim = await startSimulator({ chunkDelayMs: 0 });
  collector = createServer((request, response) => {
    exportRequests.push(request.url ?? '');
    request.resume().on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});
after(async () => {
  await sim.close();
  await new Promise((resolve) => collector.close(resolve));
});
beforeEach(() => {
  sim.reset();
  exportRequests = [];
});

const runDisabledApp = (disabled: string) =>
  runApp(app, {
    args: ['--import', '@runproof/core/register'],
    env: {
      OTEL_SDK_DISABLED: disabled,
      SIMULATOR_URL: sim.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_METRICS_EXPORTER: 'otlp',
    },
  });

const halted = (observed: string, rule = 'allowed_models') => ({
  ok: false,
  kind: 'boundary',
  code: 'RUNPROOF_BOUNDARY_HALT',
  rule,
  observed,
});

test('with OTEL_SDK_DISABLED=true, zero-code: a model outside allowedModels is halted before the request (chat, streamed chat, responses), a tool outside allowedTools before it runs, and nothing is exported', async () => {
  const result = await runDisabledApp('true');
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), {
    allowedModel: { ok: true },
    otherModel: halted('gpt-4.1'),
    otherModelStreamed: halted('gpt-4.1'),
    otherModelResponses: halted('gpt-4.1'),
    otherTool: halted('refund', 'allowed_tools'),
    ran: ['lookup_vendor ACME'],
  });
  assert.deepEqual(
    sim.requests.map((request) => (request.body as { model?: string }).model),
    ['gpt-4o-mini'],
    'only the allowed model was sent',
  );
  assert.deepEqual(exportRequests, [], 'nothing reached the OTLP endpoint');
  assert.equal(result.stderr, '');
});

test('the same app with the SDK enabled exports to that endpoint and holds the same boundaries (the control for the test above)', async () => {
  const result = await runDisabledApp('false');
  assert.equal(result.code, 0, result.stderr);
  const seen = JSON.parse(result.stdout) as Record<string, unknown>;
  assert.deepEqual(seen.otherModel, halted('gpt-4.1'));
  assert.equal(sim.requests.length, 1);
  assert.ok(exportRequests.includes('/v1/traces'), `export requests: ${JSON.stringify(exportRequests)}`);
});
