import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { before, test } from 'node:test';
import {
  addSpanBeside,
  attestationOf,
  attribute,
  copy,
  pae,
  removeSpans,
  runSpans,
  runVerify,
  setStringAttribute,
  spansOf,
  type OtlpDocument,
  type OtlpSpan,
} from './support.ts';
import { attemptSpan, makeSignedTraces, named, runIdsOf, runSpanOf, type SignedTraces } from './signed-traces.ts';

// runproof verify on traces of real signed runs (the demo's triage and a refund halted by its
// boundary; a durable payout retried twice), each edited as someone hiding what ran would edit it.
// Every edit must fail verification naming what changed; the untouched traces must pass.
let traces: SignedTraces;
before(async () => {
  traces = await makeSignedTraces('verify');
});
const firstTriage = () => runIdsOf(traces.triage, 'invoice-triage')[0]!;

test('the untouched traces verify: every run and every attempt of the chain, exit 0', async () => {
  const result = await runVerify([traces.files.triage, traces.files.payout, '--key', traces.key.publicPath]);
  assert.equal(result.code, 0, result.stdout);
  assert.match(result.stdout, /^4 runs: 4 verified, 0 failed$/m);
  assert.equal(
    result.stdout.match(/^ {4}ok {4}signature {2}valid, key /gm)?.length,
    6,
    'three runs of one attempt and three attempts of the payout',
  );
  assert.match(result.stdout, /^ {4}ok {4}chain {6}follows attempt 2 \(span [0-9a-f]{16}\)$/m);
  assert.equal(result.stderr, '');
});

test('an attribute edited on a call span (gen_ai.response.model) is named, in the ledger and against the manifest', async () => {
  let chat!: OtlpSpan;
  const result = await traces.verifyEdited(traces.triage, (document) => {
    chat = named(runSpans(document, firstTriage()), 'chat gpt-4o-mini');
    setStringAttribute(chat, 'gen_ai.response.model', 'gpt-4o-2024-08-06');
  });
  assert.equal(result.code, 1);
  assert.ok(
    result.stdout.includes(
      `- changed: span "chat gpt-4o-mini" (${chat.spanId}): its Runproof/GenAI attributes or events differ from what was signed`,
    ),
    result.stdout,
  );
  assert.ok(
    result.stdout.includes(
      `- gen_ai.response.model of "chat gpt-4o-mini" (${chat.spanId}) is "gpt-4o-2024-08-06", not among the models the signed manifest observed (gpt-4o-mini-2024-07-18)`,
    ),
    result.stdout,
  );
  assert.match(result.stdout, /^3 runs: 2 verified, 1 failed — NOT VERIFIED$/m);
});

test('a halt changed to allow is named', async () => {
  let halted!: OtlpSpan;
  const result = await traces.verifyEdited(traces.triage, (document) => {
    halted = spansOf(document).find((span) => attribute(span, 'runproof.boundary.decision') === 'halt')!;
    setStringAttribute(halted, 'runproof.boundary.decision', 'allow');
  });
  assert.equal(result.code, 1);
  assert.ok(
    result.stdout.includes(
      `- changed: span "${halted.name}" (${halted.spanId}): its Runproof/GenAI attributes or events differ from what was signed`,
    ),
    result.stdout,
  );
});

test('a span removed from the trace is named', async () => {
  let removed!: OtlpSpan;
  const result = await traces.verifyEdited(traces.triage, (document) => {
    removed = named(runSpans(document, firstTriage()), 'validate invoice.fields');
    removeSpans(document, (span) => span.spanId === removed.spanId);
  });
  assert.equal(result.code, 1);
  assert.ok(
    result.stdout.includes(
      `- missing: span "validate invoice.fields" (${removed.spanId}) was signed but is not in the traces`,
    ),
    result.stdout,
  );
});

test("a run span removed, attestation and all, is named: the run's other spans are left uncovered", async () => {
  const runId = firstTriage();
  const result = await traces.verifyEdited(traces.triage, (document) =>
    removeSpans(
      document,
      (span) => span.name === 'invoke_workflow invoice-triage' && attribute(span, 'runproof.run.id') === runId,
    ),
  );
  assert.equal(result.code, 1);
  assert.ok(
    result.stdout.includes(
      `run ${runId} — FAILED\n  FAIL  no run span of run ${runId} is in the traces, so no attestation covers its 8 spans: the run span was removed, or its process never ended it`,
    ),
    result.stdout,
  );
});

test('a span added to the run is named', async () => {
  const added = 'a11ce0ddba11ad00';
  const result = await traces.verifyEdited(traces.triage, (document) => {
    const spans = runSpans(document, firstTriage());
    const original = named(spans, 'chat gpt-4o-mini');
    addSpanBeside(document, original, { ...copy(original), spanId: added });
  });
  assert.equal(result.code, 1);
  assert.ok(result.stdout.includes(`FAIL  ledger     8 signed spans, 9 present`), result.stdout);
  assert.ok(
    result.stdout.includes(
      `- added: span "chat gpt-4o-mini" (${added}) carries the run's id but is not in the signed ledger`,
    ),
    result.stdout,
  );
});

test('an edited manifest is named, condition by condition', async () => {
  const result = await traces.verifyEdited(traces.triage, (document) => {
    const event = runSpanOf(runSpans(document, firstTriage())).events!.find(
      (candidate) => candidate.name === 'runproof.run.manifest',
    )!;
    setStringAttribute(
      event,
      'runproof.manifest',
      String(attribute(event, 'runproof.manifest')).replace('"prompt":"triage-v3"', '"prompt":"triage-v4"'),
    );
  });
  assert.equal(result.code, 1);
  assert.ok(
    result.stdout.includes(
      '- the manifest event was edited after signing: declared.conditions.prompt: "triage-v3" -> "triage-v4"',
    ),
    result.stdout,
  );
});

test("a signature from another key is named: an unknown key, or an invalid signature under the trusted key's id", async () => {
  const other = generateKeyPairSync('ed25519');
  const otherId = createHash('sha256')
    .update(other.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
  const resign = (keyId: string) => (document: OtlpDocument) => {
    const event = runSpanOf(runSpans(document, firstTriage())).events!.find(
      (candidate) => candidate.name === 'runproof.run.attestation',
    )!;
    const envelope = JSON.parse(String(attribute(event, 'runproof.attestation.envelope'))) as {
      payloadType: string;
      payload: string;
      signatures: { keyid: string; sig: string }[];
    };
    const signature = sign(
      null,
      pae(envelope.payloadType, Buffer.from(envelope.payload, 'base64')),
      other.privateKey,
    ).toString('base64');
    setStringAttribute(
      event,
      'runproof.attestation.envelope',
      JSON.stringify({ ...envelope, signatures: [{ keyid: keyId, sig: signature }] }),
    );
  };
  const unknown = await traces.verifyEdited(traces.triage, resign(otherId));
  assert.equal(unknown.code, 1);
  assert.ok(
    unknown.stdout.includes(
      `- unknown key: signed by key ${otherId}, which is none of the keys given (${traces.key.publicPath}: `,
    ),
    unknown.stdout,
  );
  const trustedId = attestationOf(runSpanOf(runSpans(traces.triage, firstTriage()))).envelope.signatures[0]!.keyid;
  const invalid = await traces.verifyEdited(traces.triage, resign(trustedId));
  assert.ok(
    invalid.stdout.includes(
      `- invalid: the signature of key ${trustedId.slice(0, 16)}… does not match the envelope's payload (it was changed after signing)`,
    ),
    invalid.stdout,
  );
});

test('an attempt removed from a chain is named by the attempt after it', async () => {
  const second = attemptSpan(traces.payout, 2);
  const result = await traces.verifyEdited(traces.payout, (document) =>
    removeSpans(document, (span) => span.traceId === second.traceId),
  );
  assert.equal(result.code, 1);
  assert.ok(
    result.stdout.includes(
      `- attempt 2 (run span ${second.spanId} of trace ${second.traceId}) is missing from the traces, and the journal says it ended`,
    ),
    result.stdout,
  );
  assert.ok(!result.stdout.includes('attempt 2: run span'), 'attempt 2 is gone');
});

test('--json gives the same findings as data, --run one run', async () => {
  const runId = firstTriage();
  const result = await runVerify([traces.files.triage, '--key', traces.key.publicPath, '--run', runId, '--json']);
  assert.equal(result.code, 0);
  const parsed = JSON.parse(result.stdout) as {
    ok: boolean;
    runs: { runId: string; ok: boolean; attempts: { checks: { check: string; ok: boolean }[] }[] }[];
  };
  assert.equal(parsed.ok, true);
  assert.deepEqual(
    parsed.runs.map((run) => run.runId),
    [runId],
  );
  assert.deepEqual(
    parsed.runs[0]!.attempts[0]!.checks.map((check) => [check.check, check.ok]),
    [
      ['signature', true],
      ['statement', true],
      ['manifest', true],
      ['ledger', true],
      ['chain', true],
    ],
  );
  const missing = await runVerify([traces.files.triage, '--key', traces.key.publicPath, '--run', 'no-such-run']);
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /^FAILED: the traces hold no run no-such-run$/m);
});

test('without --key no signature counts as checked', async () => {
  const result = await runVerify([traces.files.triage]);
  assert.equal(result.code, 1);
  assert.match(
    result.stdout,
    /- not checked: no --key given \(the envelope names key [0-9a-f]{64}\); pass the signer's public key/,
  );
});

test('runproof verify refuses a private key given as --key, and says where the public key comes from', async () => {
  const result = await runVerify([traces.files.triage, '--key', traces.key.privatePath]);
  assert.equal(result.code, 2);
  assert.equal(
    result.stderr,
    `runproof: --key: "${traces.key.privatePath}" is a private key, not a public key: give its public half (\`openssl pkey -in signing-key.pem -pubout -out signing-key.pub.pem\`); the private key stays with the signer\n`,
  );
});
