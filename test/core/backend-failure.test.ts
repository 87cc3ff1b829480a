import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';
import { startOtlpReceiver } from '../support/otlp-receiver.ts';

const app = fileURLToPath(new URL('./apps/load.mjs', import.meta.url));
const servers: Server[] = [];
after(() => servers.forEach((server) => server.closeAllConnections() ?? server.close()));

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

const RUNS = 20_000; // 40,000 spans: far more than the export queue (2,048) holds

const backends: [string, () => Promise<string>][] = [
  ['down (connection refused)', closedPort],
  ['slow (never answers)', () => listen(() => {})],
  ['answering 500', () => listen((_request, response) => response.writeHead(500).end('{"error":"overloaded"}'))],
];

for (const [what, backend] of backends) {
  test(`backend ${what}: the app's runs are unaffected, no error reaches it, memory stays bounded`, async () => {
    const endpoint = await backend();
    const result = await runApp(app, {
      args: ['--expose-gc'],
      env: {
        RUNS: String(RUNS),
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
      timeoutMs: 60_000,
    });
    assert.equal(result.code, 0, result.stderr);
    // The only output is the one warning that says what was lost, and where it was going.
    assert.match(
      result.stderr,
      new RegExp(
        `^runproof: telemetry was lost, none of it reached its destination: ${2 * RUNS} spans to ${endpoint}/v1/traces \\([^\\n]+\\)\\n$`,
      ),
    );
    const report = JSON.parse(result.stdout) as { completed: number; heapGrowthBytes: number; shutdownMs: number };
    assert.equal(report.completed, RUNS);
    assert.ok(
      report.heapGrowthBytes < 24 * 1024 * 1024,
      `heap grew by ${(report.heapGrowthBytes / 1048576).toFixed(1)} MiB`,
    );
    // shutdown() is bounded by the shutdown budget (2 s by default).
    assert.ok(report.shutdownMs < 3000, `shutdown took ${report.shutdownMs} ms`);
  });
}

test('shutdown() flushes every span still queued', async () => {
  const receiver = await startOtlpReceiver();
  try {
    const result = await runApp(app, {
      args: ['--expose-gc'],
      env: { RUNS: '300', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '600000' },
    });
    assert.equal(result.code, 0, result.stderr);
    // Nothing was exported on a timer (the delay is ten minutes): all 600 spans came from shutdown().
    assert.equal(receiver.spans.length, 600);
    assert.equal(receiver.spans.filter((span) => span.name === 'invoke_workflow load').length, 300);
  } finally {
    await receiver.close();
  }
});
