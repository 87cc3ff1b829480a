import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.ts';

let receiver: OtlpReceiver;
before(async () => (receiver = await startOtlpReceiver()));
after(() => receiver.close());

const app = (name: string) => fileURLToPath(new URL(`./apps/${name}`, import.meta.url));

for (const [file, protocol] of [
  ['workflow.mjs', 'http/protobuf'],
  ['workflow.mjs', 'http/json'],
  ['workflow.cjs', 'http/protobuf'],
] as const) {
  test(`${file} started with --import @runproof/core/register exports its run over OTLP ${protocol}`, async () => {
    const result = await runApp(app(file), {
      args: ['--import', '@runproof/core/register'],
      env: {
        OTEL_SERVICE_NAME: 'billing',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_RESOURCE_ATTRIBUTES: 'service.version=4.2.0,deployment.environment.name=test',
      },
    });
    assert.equal(result.code, 0, result.stderr);
    const { runId, manifest } = JSON.parse(result.stdout) as { runId: string; manifest: { fingerprint: string } };
    const spans = await receiver.waitFor(
      (received) => received.filter((span) => span.attributes['runproof.run.id'] === runId).length === 4,
    );
    const mine = spans.filter((span) => span.attributes['runproof.run.id'] === runId);
    const root = mine.find((span) => span.name === 'invoke_workflow invoice-triage');
    assert.ok(root, 'run span received');
    assert.equal(root.kind, 'SPAN_KIND_INTERNAL');
    assert.deepEqual(root.attributes, {
      'gen_ai.operation.name': 'invoke_workflow',
      'gen_ai.workflow.name': 'invoice-triage',
      'runproof.run.id': runId,
      'runproof.run.name': 'invoice-triage',
      'runproof.run.attempt': 1,
      'runproof.run.continuation': 'new',
      'runproof.owner.technical': 'ml-platform',
      'runproof.run.outcome': 'completed',
      'runproof.run.fingerprint': manifest.fingerprint,
      'runproof.run.observed_digest': root.attributes['runproof.run.observed_digest'],
    });
    assert.match(String(root.attributes['runproof.run.observed_digest']), /^[0-9a-f]{64}$/);
    assert.deepEqual(
      root.events.map((event) => event.name),
      ['runproof.outcome', 'runproof.run.manifest'],
    );
    const sentManifest = JSON.parse(String(root.events[1]?.attributes?.['runproof.manifest'])) as {
      fingerprint: string;
      declared: { code: { version: string } };
    };
    assert.equal(sentManifest.fingerprint, manifest.fingerprint);
    assert.equal(sentManifest.declared.code.version, '4.2.0');
    assert.deepEqual(root.resource['service.name'], 'billing');
    assert.deepEqual(root.resource['deployment.environment.name'], 'test');
    assert.deepEqual(root.resource['telemetry.distro.name'], 'runproof');
    // The user's own span and both steps are children in the same trace.
    for (const name of ['step extract', 'step classify', 'parse pdf']) {
      const span = mine.find((candidate) => candidate.name === name);
      assert.equal(span?.traceId, root.traceId, name);
    }
    assert.equal(
      mine.find((span) => span.name === 'parse pdf')?.parentSpanId,
      mine.find((span) => span.name === 'step extract')?.spanId,
    );
  });
}
