import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';

// A run span carries its own run's id, whatever run (or upstream service) it was started in; the
// id of that enclosing run goes in runproof.run.parent_id. Checked on spans as they arrive over OTLP.
let receiver: OtlpReceiver;
let spans: ReceivedSpan[];
let seen: Record<string, string | null>;

before(async () => {
  receiver = await startOtlpReceiver();
  const result = await runApp(fileURLToPath(new URL('./apps/run-identity.mjs', import.meta.url)), {
    args: ['--import', '@runproof/core/register'],
    env: {
      OTEL_SERVICE_NAME: 'identity',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    },
  });
  assert.equal(result.code, 0, result.stderr);
  seen = JSON.parse(result.stdout) as Record<string, string | null>;
  spans = await receiver.waitFor((received) => received.length >= 9);
});
after(() => receiver.close());

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function named(name: string): ReceivedSpan {
  const found = spans.filter((span) => span.name === name);
  assert.equal(found.length, 1, `one span named ${name}`);
  return found[0]!;
}

/** The attributes a completed run span carries; the digests are read back from its manifest. */
function runAttributes(
  span: ReceivedSpan,
  run: { name: string; id: string; parentId?: string; attempt?: number; continuation?: string },
): Record<string, unknown> {
  const manifest = JSON.parse(
    String(span.events.find((event) => event.name === 'runproof.run.manifest')?.attributes?.['runproof.manifest']),
  ) as { runId: string; fingerprint: string; observedDigest: string };
  assert.equal(manifest.runId, run.id, `the manifest of ${run.name} names its own run`);
  return {
    'gen_ai.operation.name': 'invoke_workflow',
    'gen_ai.workflow.name': run.name,
    'runproof.run.id': run.id,
    ...(run.parentId === undefined ? {} : { 'runproof.run.parent_id': run.parentId }),
    'runproof.run.name': run.name,
    'runproof.run.attempt': run.attempt ?? 1,
    'runproof.run.continuation': run.continuation ?? 'new',
    'runproof.run.outcome': 'completed',
    'runproof.run.fingerprint': manifest.fingerprint,
    'runproof.run.observed_digest': manifest.observedDigest,
  };
}

test("a run inside another carries its own id on its span, and the outer run's id as runproof.run.parent_id", () => {
  assert.match(String(seen.inner), UUID_V7);
  assert.notEqual(seen.inner, seen.outer);
  assert.deepEqual(
    named('invoke_workflow outer').attributes,
    runAttributes(named('invoke_workflow outer'), { name: 'outer', id: seen.outer! }),
  );
  assert.deepEqual(
    named('invoke_workflow inner').attributes,
    runAttributes(named('invoke_workflow inner'), { name: 'inner', id: seen.inner!, parentId: seen.outer! }),
  );
  assert.deepEqual(named('step inner-work').attributes, {
    'runproof.step.name': 'inner-work',
    'runproof.run.id': seen.inner,
  });
  assert.equal(
    named('invoke_workflow inner').parentSpanId,
    named('invoke_workflow outer').spanId,
    'still a child span in the same trace',
  );
});

test('a run continued under an explicit id inside another run carries that id, attempt and continuation, with the enclosing run as parent', () => {
  const id = '0190a5c4-1b2c-7d3e-8f40-5a6b7c8d9e0f';
  assert.deepEqual(
    named('invoke_workflow supervisor').attributes,
    runAttributes(named('invoke_workflow supervisor'), { name: 'supervisor', id: seen.supervisor! }),
  );
  assert.deepEqual(
    named('invoke_workflow resumed').attributes,
    runAttributes(named('invoke_workflow resumed'), {
      name: 'resumed',
      id,
      parentId: seen.supervisor!,
      attempt: 2,
      continuation: 'resume',
    }),
  );
  assert.deepEqual(named('step resumed-work').attributes, {
    'runproof.step.name': 'resumed-work',
    'runproof.run.id': id,
  });
});

test("a downstream service's run, started from W3C baggage received over HTTP, carries its own id and the upstream run's as parent", () => {
  assert.match(String(seen.downstream), UUID_V7);
  assert.notEqual(seen.downstream, seen.upstream);
  assert.deepEqual(
    named('invoke_workflow upstream').attributes,
    runAttributes(named('invoke_workflow upstream'), { name: 'upstream', id: seen.upstream! }),
  );
  const downstream = named('invoke_workflow downstream');
  assert.deepEqual(
    downstream.attributes,
    runAttributes(downstream, { name: 'downstream', id: seen.downstream!, parentId: seen.upstream! }),
  );
  assert.equal(downstream.traceId, named('invoke_workflow upstream').traceId, 'the trace context crossed too');
  assert.deepEqual(named('step downstream-work').attributes, {
    'runproof.step.name': 'downstream-work',
    'runproof.run.id': seen.downstream,
  });
  assert.equal(seen.outside, null);
});
