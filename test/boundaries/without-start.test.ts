import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';
import { startOtlpReceiver } from '../support/otlp-receiver.ts';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';

// Boundaries and checkpoints hold in an app that never started telemetry: no start(), no
// --import @runproof/core/register, the openai client instrumented by hand.
let sim: Simulator;
before(async () => (sim = await startSimulator({ chunkDelayMs: 0 })));
after(() => sim.close());

test('without start(), run({ boundary }) is enforced: currentRun() is the run, a tool outside allowedTools and a model outside allowedModels are halted before they run', async () => {
  const result = await runApp(fileURLToPath(new URL('./apps/without-start.mjs', import.meta.url)), {
    env: { SIMULATOR_URL: sim.url },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), {
    currentRunMatches: true,
    stepSeesRun: true,
    tools: { ok: false, kind: 'boundary', code: 'RUNPROOF_BOUNDARY_HALT', rule: 'allowed_tools', observed: 'refund' },
    models: {
      ok: false,
      kind: 'boundary',
      code: 'RUNPROOF_BOUNDARY_HALT',
      rule: 'allowed_models',
      observed: 'gpt-4.1',
    },
    checkpoint: { ok: true, value: { vendor: 'ACME', currency: 'EUR' } },
    outside: true,
    ran: ['lookup_vendor ACME'],
  });
  assert.deepEqual(
    sim.requests.map((request) => (request.body as { model?: string }).model),
    ['gpt-4o-mini'],
    'the disallowed model was never sent',
  );
  assert.equal(result.stderr, '', 'nothing to say: no telemetry was asked for');
});

test('start() after a run() takes over the context: no duplicate-registration error, and runs after it are exported', async () => {
  const receiver = await startOtlpReceiver();
  try {
    const result = await runApp(fileURLToPath(new URL('./apps/run-before-start.mjs', import.meta.url)), {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_LOG_LEVEL: 'info',
      },
    });
    assert.equal(result.code, 0, result.stderr);
    const ids = JSON.parse(result.stdout) as { before: string; after: string };
    assert.match(ids.before, /^[0-9a-f-]{36}$/);
    assert.match(ids.after, /^[0-9a-f-]{36}$/);
    assert.doesNotMatch(result.stderr, /duplicate registration/i);
    const spans = await receiver.waitFor((received) =>
      received.some((span) => span.name === 'invoke_workflow after-start'),
    );
    assert.equal(
      spans.find((span) => span.name === 'invoke_workflow after-start')?.attributes['runproof.run.id'],
      ids.after,
    );
  } finally {
    await receiver.close();
  }
});
