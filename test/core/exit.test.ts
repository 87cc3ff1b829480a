import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';

// Finding 6 of issue 19: an app whose work has ended exits within the shutdown budget (2 s by
// default) plus a second, whatever the tracing backend does and whatever the metric interval.

const app = fileURLToPath(new URL('./apps/quick-work.mjs', import.meta.url));
const servers: Server[] = [];
after(() => servers.forEach((server) => (server.closeAllConnections(), server.close())));

async function listen(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const BUDGET_MS = 2000;
const backends: [string, () => Promise<string>][] = [
  [
    'healthy (answers 200 at once)',
    () => listen((request, response) => request.resume().on('end', () => response.writeHead(200).end())),
  ],
  ['down (connection refused)', closedPort],
  ['hanging (accepts, never answers)', () => listen(() => {})],
  [
    'answering 503',
    () => listen((request, response) => request.resume().on('end', () => response.writeHead(503).end())),
  ],
  [
    'slow (answers 200 after 4 s)',
    () =>
      listen((request, response) =>
        request.resume().on('end', () => setTimeout(() => response.writeHead(200).end(), 4000)),
      ),
  ],
];
const intervals: [string, Record<string, string>][] = [
  ['OTEL_METRIC_EXPORT_INTERVAL=1000', { OTEL_METRIC_EXPORT_INTERVAL: '1000' }],
  ['default metric interval', {}],
];

const matrix: string[] = [];
after(() => {
  // The measured table in docs/shutdown.md comes from this output.
  process.stdout.write(`# exit after the work ended (budget ${BUDGET_MS} ms)\n${matrix.join('\n')}\n`);
});

for (const [backendName, backend] of backends) {
  for (const [intervalName, intervalEnvironment] of intervals) {
    test(`backend ${backendName}, ${intervalName}: the app exits within the shutdown budget + 1 s of its work ending`, async (t) => {
      const endpoint = await backend();
      const result = await runApp(app, {
        args: ['--import', '@runproof/core/register'],
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_METRICS_EXPORTER: 'otlp', ...intervalEnvironment },
        timeoutMs: 20_000,
      });
      const closedAt = Date.now();
      assert.equal(result.signal, null, `killed after 20 s: ${result.stderr}`);
      assert.equal(result.code, 0, result.stderr);
      const { runs, workEndedAt } = JSON.parse(result.stdout) as { runs: number; workEndedAt: number };
      const exitMs = closedAt - workEndedAt;
      const row = `${backendName.padEnd(42)} ${intervalName.padEnd(34)} ${String(exitMs).padStart(5)} ms`;
      matrix.push(row);
      t.diagnostic(row);
      assert.ok(runs > 5, `the app made ${runs} runs`);
      assert.ok(exitMs <= BUDGET_MS + 1000, `exited ${exitMs} ms after its work ended`);
      if (backendName.startsWith('healthy')) assert.equal(result.stderr, '');
      // What could not be sent is said once, on stderr: nothing reached the backend.
      else
        assert.match(
          result.stderr,
          /^runproof: telemetry was lost, none of it reached its destination: \d+ spans? to http:\/\/127\.0\.0\.1:\d+\/v1\/traces \(.+\); \d+ metric exports? to http:\/\/127\.0\.0\.1:\d+\/v1\/metrics \(.+\)\n$/,
        );
    });
  }
}

test('RUNPROOF_SHUTDOWN_TIMEOUT_MS sets the budget: 300 ms with a backend that never answers', async (t) => {
  const result = await runApp(app, {
    args: ['--import', '@runproof/core/register'],
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: await listen(() => {}),
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      RUNPROOF_SHUTDOWN_TIMEOUT_MS: '300',
    },
    timeoutMs: 20_000,
  });
  const exitMs = Date.now() - (JSON.parse(result.stdout) as { workEndedAt: number }).workEndedAt;
  const row = `${'hanging, RUNPROOF_SHUTDOWN_TIMEOUT_MS=300'.padEnd(42)} ${'OTEL_METRIC_EXPORT_INTERVAL=1000'.padEnd(34)} ${String(exitMs).padStart(5)} ms`;
  matrix.push(row);
  t.diagnostic(row);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(exitMs <= 300 + 1000, `exited ${exitMs} ms after its work ended`);
  assert.match(result.stderr, /shutdown budget \(300 ms\) ran out/);
});
