import assert from 'node:assert/strict';
import { createHash, verify } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runApp } from '../support/app.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';
import { pae, SIGNED_RUNS_APP, temporaryFolder, writeKeyPair, type KeyFiles, type Statement } from './support.ts';

// A zero-code app signs each run as it ends (RUNPROOF_SIGNING_KEY_FILE): checked on the spans as
// they arrive over OTLP/HTTP, with the signature checked by node's crypto over the DSSE encoding.
const folder = temporaryFolder('signing');
const evidenceFolder = join(folder, 'evidence');
let receiver: OtlpReceiver;
let simulator: Simulator;
let key: KeyFiles;
let spans: ReceivedSpan[];

before(async () => {
  receiver = await startOtlpReceiver();
  simulator = await startSimulator({ chunkDelayMs: 0 });
  key = writeKeyPair(folder, 'signing-key');
  const result = await runApp(SIGNED_RUNS_APP, {
    args: ['--import', '@runproof/core/register'],
    env: {
      OPENAI_BASE_URL: simulator.url,
      OPENAI_API_KEY: 'test-key',
      OTEL_SERVICE_NAME: 'signed-runs',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      RUNPROOF_SIGNING_KEY_FILE: key.privatePath,
      RUNPROOF_EVIDENCE_DIR: evidenceFolder,
      RUNPROOF_CODE_VERSION: 'evidence-test',
    },
    timeoutMs: 60_000,
  });
  assert.equal(result.code, 0, result.stderr);
  spans = await receiver.waitFor(
    (received) => received.filter((span) => span.name.startsWith('invoke_workflow')).length === 3,
  );
});
after(async () => {
  await receiver.close();
  await simulator.close();
});

const runSpansOf = () => spans.filter((span) => span.name.startsWith('invoke_workflow'));
const manifestTextOf = (span: ReceivedSpan) =>
  String(span.events.find((event) => event.name === 'runproof.run.manifest')?.attributes?.['runproof.manifest']);

function attestationOf(span: ReceivedSpan): {
  envelope: { payloadType: string; payload: string; signatures: { keyid: string; sig: string }[] };
  statement: Statement;
  keyId: unknown;
} {
  const events = span.events.filter((event) => event.name === 'runproof.run.attestation');
  assert.equal(events.length, 1, `one attestation on ${span.name}`);
  const attributes = events[0]!.attributes ?? {};
  assert.deepEqual(Object.keys(attributes).sort(), ['runproof.attestation.envelope', 'runproof.attestation.key_id']);
  const envelope = JSON.parse(String(attributes['runproof.attestation.envelope'])) as ReturnType<
    typeof attestationOf
  >['envelope'];
  return {
    envelope,
    statement: JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as Statement,
    keyId: attributes['runproof.attestation.key_id'],
  };
}

test('each run span says it is signed, beside its usual attributes', () => {
  const triage = runSpansOf().find((span) => span.name === 'invoke_workflow invoice-triage')!;
  const manifest = JSON.parse(manifestTextOf(triage)) as { runId: string; fingerprint: string; observedDigest: string };
  assert.deepEqual(triage.attributes, {
    'gen_ai.operation.name': 'invoke_workflow',
    'gen_ai.workflow.name': 'invoice-triage',
    'runproof.run.id': manifest.runId,
    'runproof.run.name': 'invoice-triage',
    'runproof.run.attempt': 1,
    'runproof.run.continuation': 'new',
    'runproof.owner.technical': 'ml-platform',
    'runproof.owner.operational': 'accounts-payable',
    'runproof.boundary.policy': 'invoice-triage',
    'runproof.boundary.decision': 'allow',
    'runproof.run.outcome': 'completed',
    'runproof.run.fingerprint': manifest.fingerprint,
    'runproof.run.observed_digest': manifest.observedDigest,
    'runproof.evidence.status': 'signed',
  });
  for (const span of runSpansOf()) assert.equal(span.attributes['runproof.evidence.status'], 'signed', span.name);
});

test('the attestation is a DSSE envelope whose Ed25519 signature over the pre-authentication encoding verifies with the public key, named by its SPKI SHA-256', () => {
  const keyId = createHash('sha256')
    .update(key.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
  for (const span of runSpansOf()) {
    const { envelope, keyId: eventKeyId } = attestationOf(span);
    assert.equal(envelope.payloadType, 'application/vnd.in-toto+json');
    assert.equal(envelope.signatures.length, 1);
    assert.equal(envelope.signatures[0]!.keyid, keyId);
    assert.equal(eventKeyId, keyId);
    const signed = pae(envelope.payloadType, Buffer.from(envelope.payload, 'base64'));
    assert.equal(
      verify(null, signed, key.publicKey, Buffer.from(envelope.signatures[0]!.sig, 'base64')),
      true,
      `the signature of ${span.name} verifies`,
    );
  }
});

test("the statement is an in-toto Statement v1 whose subject is the run with the SHA-256 of the manifest event's bytes, and whose predicate names the run span", () => {
  for (const span of runSpansOf()) {
    const { statement } = attestationOf(span);
    const runId = String(span.attributes['runproof.run.id']);
    assert.equal(statement._type, 'https://in-toto.io/Statement/v1');
    assert.equal(statement.predicateType, 'runproof:attestation/run/v1');
    assert.deepEqual(statement.subject, [
      {
        name: `runproof-run:${runId}`,
        digest: { sha256: createHash('sha256').update(manifestTextOf(span)).digest('hex') },
      },
    ]);
    assert.deepEqual(statement.predicate.manifest, JSON.parse(manifestTextOf(span)));
    const { digest, ...run } = statement.predicate.run;
    assert.match(digest, /^[0-9a-f]{64}$/);
    assert.deepEqual(run, {
      traceId: span.traceId,
      spanId: span.spanId,
      parentId: null,
      name: span.name,
      status: span.name.endsWith('refund-check') ? 'error' : 'unset',
      service: 'signed-runs',
    });
    assert.equal(statement.predicate.previousAttempt, null);
  }
});

test('the ledger lists every other span of the run, as it ended: ids, parent, name and status', () => {
  for (const runSpan of runSpansOf()) {
    const { statement } = attestationOf(runSpan);
    const runId = runSpan.attributes['runproof.run.id'];
    const expected = spans
      .filter((span) => span.attributes['runproof.run.id'] === runId && span !== runSpan)
      .map((span) => ({
        spanId: span.spanId,
        parentId: span.parentSpanId ?? null,
        name: span.name,
        status: span.status.code === 'STATUS_CODE_ERROR' ? 'error' : 'unset',
      }))
      .sort((a, b) => a.spanId.localeCompare(b.spanId));
    const listed = statement.predicate.ledger.spans
      .map(({ digest, ...entry }) => (assert.match(digest, /^[0-9a-f]{64}$/), entry))
      .sort((a, b) => a.spanId.localeCompare(b.spanId));
    assert.deepEqual(listed, expected, runSpan.name);
    assert.equal(statement.predicate.ledger.overflow, undefined);
  }
  const refund = runSpansOf().find((span) => span.name === 'invoke_workflow refund-check')!;
  const halted = attestationOf(refund)
    .statement.predicate.ledger.spans.filter((entry) => entry.status === 'error')
    .map((entry) => entry.name);
  assert.deepEqual(
    halted,
    ['chat gpt-4o-mini', 'step review'],
    'the halted call and its step are signed as they ended',
  );
});

test("the evidence directory holds each run's envelope as one JSON line of <run id>.intoto.jsonl", () => {
  const expected = runSpansOf()
    .map((span) => `${String(span.attributes['runproof.run.id'])}.intoto.jsonl`)
    .sort();
  assert.deepEqual(readdirSync(evidenceFolder).sort(), expected);
  for (const span of runSpansOf()) {
    const lines = readFileSync(
      join(evidenceFolder, `${String(span.attributes['runproof.run.id'])}.intoto.jsonl`),
      'utf8',
    ).split('\n');
    assert.deepEqual(lines, [
      String(
        span.events.find((event) => event.name === 'runproof.run.attestation')?.attributes?.[
          'runproof.attestation.envelope'
        ],
      ),
      '',
    ]);
  }
});
