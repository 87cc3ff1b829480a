import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.ts';

// A run still in progress when the process ends — process.exit(), a crash elsewhere, SIGTERM — is
// exported all the same, failed and saying why: it is the run an operator most needs to see.

const app = fileURLToPath(new URL('./apps/open-at-exit.mjs', import.meta.url));
let receiver: OtlpReceiver;
before(async () => (receiver = await startOtlpReceiver()));
after(() => receiver.close());

for (const [ending, expected] of [
  ['process-exit', { code: 3, signal: null }],
  ['uncaught-exception', { code: 1, signal: null }],
  ['sigterm', { code: null, signal: 'SIGTERM' }],
] as const) {
  test(`${ending} while a run and its step are open: both spans are exported, failed with RUNPROOF_PROCESS_ENDED`, async () => {
    const service = `open-at-exit-${ending}`;
    const result = await runApp(app, {
      args: ['--import', '@runproof/core/register'],
      scriptArgs: [ending],
      env: { OTEL_SERVICE_NAME: service, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
      timeoutMs: 15_000,
    });
    assert.deepEqual({ code: result.code, signal: result.signal }, expected, result.stderr);
    const spans = await receiver.waitFor(
      (received) => received.filter((span) => span.resource['service.name'] === service).length === 2,
      3000,
    );
    const mine = spans.filter((span) => span.resource['service.name'] === service);
    const runSpan = mine.find((span) => span.name === 'invoke_workflow open-at-exit')!;
    const stepSpan = mine.find((span) => span.name === 'step waiting')!;
    assert.equal(stepSpan.parentSpanId, runSpan.spanId);
    for (const span of [runSpan, stepSpan]) {
      assert.equal(span.attributes['error.type'], 'RUNPROOF_PROCESS_ENDED', span.name);
      assert.deepEqual(
        span.status,
        { code: 'STATUS_CODE_ERROR', message: 'The process ended while this was in progress' },
        span.name,
      );
    }
    assert.equal(runSpan.attributes['runproof.run.outcome'], 'failed');
  });
}
