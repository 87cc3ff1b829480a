import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp, type AppResult } from '../support/app.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';

// A signing failure never breaks the run: the hook throws, the run returns what it returns, its
// span says the signing failed, and one line on stderr says so once.
let receiver: OtlpReceiver;
let result: AppResult;
let runSpans: ReceivedSpan[];

before(async () => {
  receiver = await startOtlpReceiver();
  result = await runApp(fileURLToPath(new URL('./apps/failing-signer.mjs', import.meta.url)), {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
  });
  const spans = await receiver.waitFor(
    (received) => received.filter((span) => span.name === 'invoke_workflow nightly-report').length === 2,
  );
  runSpans = spans.filter((span) => span.name === 'invoke_workflow nightly-report');
});
after(() => receiver.close());

test('the runs return their results when the signing hook throws', () => {
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '["report 1","report 2"]\n');
});

test('each run span records the failure as runproof.evidence.status=failed and carries no attestation', () => {
  for (const span of runSpans) {
    assert.equal(span.attributes['runproof.evidence.status'], 'failed');
    assert.equal(span.attributes['runproof.run.outcome'], 'completed');
    assert.deepEqual(
      span.events.map((event) => event.name),
      ['runproof.run.manifest'],
    );
  }
});

test("the failure is printed once on stderr, naming the run and the hook's error", () => {
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(
    lines[0]!,
    /^runproof: signing run [0-9a-f-]{36} failed \(HSM session expired\); its span says so and it goes on unsigned\. Later failures are not printed\.$/,
  );
  assert.ok(
    runSpans.some((span) => lines[0]!.includes(String(span.attributes['runproof.run.id']))),
    'it names one of the runs',
  );
});
