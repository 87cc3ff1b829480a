/**
 * With content capture on, `maxContentBytes` bounds what a span keeps in memory, not only what is
 * exported: spans queued for a backend that does not answer hold the capped copy of a large
 * prompt, never the whole prompt. Measured in a child process (`--expose-gc`, zero-code) as the
 * heap still in use after garbage collection, per run.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';
import { runApp } from '../support/app.ts';

const RUNS = 150;
const PROMPT_BYTES = 256 * 1024;
const MAX_CONTENT_BYTES = 16 * 1024;

let simulator: Simulator;
let stuckBackend: Server;
before(async () => {
  simulator = await startSimulator({ chunkDelayMs: 0, record: false });
  // An OTLP endpoint that accepts connections and never answers.
  stuckBackend = createServer(() => {});
  await new Promise<void>((resolve) => stuckBackend.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  stuckBackend.closeAllConnections();
  await Promise.all([simulator.close(), new Promise((resolve) => stuckBackend.close(resolve))]);
});

/** Heap still in use after garbage collection per run, with every span queued. */
async function retainedPerRun(capture: boolean): Promise<number> {
  const result = await runApp(fileURLToPath(new URL('./apps/content-memory.mjs', import.meta.url)), {
    args: ['--expose-gc', '--import', '@runproof/core/register'],
    env: {
      SIMULATOR_URL: simulator.url,
      RUNS: String(RUNS),
      PROMPT_BYTES: String(PROMPT_BYTES),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(stuckBackend.address() as AddressInfo).port}`,
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: String(capture),
      RUNPROOF_MAX_CONTENT_BYTES: String(MAX_CONTENT_BYTES),
      // Every span of every run stays in the batch processor's queue.
      OTEL_BSP_MAX_QUEUE_SIZE: '4096',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4096',
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    },
    timeoutMs: 120_000,
  });
  assert.equal(result.code, 0, result.stderr);
  return (JSON.parse(result.stdout) as { retainedPerRun: number }).retainedPerRun;
}

test('with capture on, a span queued for export keeps only the capped copy of a 256 KB prompt', async () => {
  const withoutContent = await retainedPerRun(false);
  const withContent = await retainedPerRun(true);
  // Content adds the prompt cut to maxContentBytes and the short reply; holding the whole prompt
  // would add 256 KB per run.
  const added = withContent - withoutContent;
  assert.ok(
    added < 2 * MAX_CONTENT_BYTES,
    `content capture keeps ${Math.round(added / 1024)} KB per run (${Math.round(withContent / 1024)} KB with it, ${Math.round(withoutContent / 1024)} KB without)`,
  );
});
