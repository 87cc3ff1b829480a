import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';
import {
  addSpanBeside,
  attestationOf,
  attribute,
  copy,
  pae,
  readOtlp,
  removeSpans,
  runSignedApp,
  runSpans,
  runVerify,
  setStringAttribute,
  spansOf,
  temporaryFolder,
  writeJson,
  writeKeyPair,
  type KeyFiles,
  type OtlpDocument,
  type OtlpSpan,
} from './support.ts';

// runproof verify on traces of real signed runs (the demo's triage and a refund halted by its
// boundary; a durable payout retried twice), each edited as someone hiding what ran would edit it.
// Every edit must fail verification naming what changed; the untouched traces must pass.
const folder = temporaryFolder('verify');
let simulator: Simulator;
let key: KeyFiles;
let triage: OtlpDocument;
let payout: OtlpDocument;
let files: { triage: string; payout: string; overflow: string };

before(async () => {
  simulator = await startSimulator({ chunkDelayMs: 0 });
  key = writeKeyPair(folder, 'signing-key');
  files = {
    triage: join(folder, 'triage.json'),
    payout: join(folder, 'payout.json'),
    overflow: join(folder, 'overflow.json'),
  };
  const runs = await runSignedApp({ simulator, key: key.privatePath, traceFile: files.triage, scenario: 'triage' });
  assert.equal(runs.code, 0, runs.stderr);
  const retries = await runSignedApp({
    simulator,
    key: key.privatePath,
    traceFile: files.payout,
    scenario: 'retries',
    env: { RUNPROOF_STORE: `sqlite:${join(folder, 'runs.db')}` },
  });
  assert.equal(retries.code, 0, retries.stderr);
  const config = writeJson(join(folder, 'runproof.json'), { evidence: { maxLedgerSpans: 3 } });
  const bounded = await runSignedApp({
    simulator,
    key: key.privatePath,
    traceFile: files.overflow,
    scenario: 'triage',
    env: { RUNPROOF_CONFIG: config },
  });
  assert.equal(bounded.code, 0, bounded.stderr);
  triage = readOtlp(files.triage);
  payout = readOtlp(files.payout);
});
after(() => simulator.close());

let edits = 0;
/** Verifies a copy of `document` after `edit`, beside the other untouched file. */
async function verifyEdited(document: OtlpDocument, edit: (copy: OtlpDocument) => void, extra: string[] = []) {
  const edited = copy(document);
  edit(edited);
  const path = writeJson(join(folder, `edited-${(edits += 1)}.json`), edited);
  return runVerify([path, ...extra, '--key', key.publicPath]);
}

const runIdsOf = (document: OtlpDocument, name: string) =>
  spansOf(document)
    .filter((span) => span.name === `invoke_workflow ${name}`)
    .map((span) => String(attribute(span, 'runproof.run.id')));
const firstTriage = () => runIdsOf(triage, 'invoice-triage')[0]!;
const named = (spans: OtlpSpan[], name: string) => spans.find((span) => span.name === name)!;
const runSpanOf = (spans: OtlpSpan[]) => spans.find((span) => span.name.startsWith('invoke_workflow'))!;
const attemptSpan = (document: OtlpDocument, attempt: number) =>
  spansOf(document).find(
    (span) => span.name === 'invoke_workflow payout' && attribute(span, 'runproof.run.attempt') === attempt,
  )!;

test('the untouched traces verify: every run and every attempt of the chain, exit 0', async () => {
  const result = await runVerify([files.triage, files.payout, '--key', key.publicPath]);
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
  const result = await verifyEdited(triage, (document) => {
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
  const result = await verifyEdited(triage, (document) => {
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
  const result = await verifyEdited(triage, (document) => {
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
  const result = await verifyEdited(triage, (document) =>
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
  const result = await verifyEdited(triage, (document) => {
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
  const result = await verifyEdited(triage, (document) => {
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
  const unknown = await verifyEdited(triage, resign(otherId));
  assert.equal(unknown.code, 1);
  assert.ok(
    unknown.stdout.includes(
      `- unknown key: signed by key ${otherId}, which is none of the keys given (${key.publicPath}: `,
    ),
    unknown.stdout,
  );
  const trustedId = attestationOf(runSpanOf(runSpans(triage, firstTriage()))).envelope.signatures[0]!.keyid;
  const invalid = await verifyEdited(triage, resign(trustedId));
  assert.ok(
    invalid.stdout.includes(
      `- invalid: the signature of key ${trustedId.slice(0, 16)}… does not match the envelope's payload (it was changed after signing)`,
    ),
    invalid.stdout,
  );
});

test('an attempt removed from a chain is named by the attempt after it', async () => {
  const second = attemptSpan(payout, 2);
  const result = await verifyEdited(payout, (document) =>
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

test("forged: another run's valid attestation pasted onto this run is named", async () => {
  const [first, second] = runIdsOf(triage, 'invoice-triage') as [string, string];
  const donor = runSpanOf(runSpans(triage, second));
  const result = await verifyEdited(triage, (document) => {
    const target = runSpanOf(runSpans(document, first));
    target.events = target.events!.map((event) =>
      event.name === 'runproof.run.attestation'
        ? copy(donor.events!.find((candidate) => candidate.name === 'runproof.run.attestation')!)
        : event,
    );
  });
  assert.equal(result.code, 1);
  assert.match(result.stdout, /^ {4}ok {4}signature {2}valid/m, 'the pasted signature is itself valid');
  assert.ok(
    result.stdout.includes(
      `- the attestation was made for another span: "invoke_workflow invoice-triage" (${donor.spanId}) of trace ${donor.traceId}, run ${second} attempt 1 — pasted onto this run span`,
    ),
    result.stdout,
  );
  assert.ok(result.stdout.includes(`- the attestation is about run ${second}, not run ${first}`), result.stdout);
});

test("forged: an older attempt's attestation put in place of the newer one is named", async () => {
  const older = attemptSpan(payout, 2);
  const result = await verifyEdited(payout, (document) => {
    const newer = attemptSpan(document, 3);
    newer.events = newer.events!.map((event) =>
      event.name === 'runproof.run.attestation'
        ? copy(older.events!.find((candidate) => candidate.name === 'runproof.run.attestation')!)
        : event,
    );
  });
  assert.equal(result.code, 1);
  assert.ok(
    result.stdout.includes(
      `- the attestation was made for another span: "invoke_workflow payout" (${older.spanId}) of trace ${older.traceId}, run payout-42 attempt 2 — pasted onto this run span`,
    ),
    result.stdout,
  );
  assert.ok(
    result.stdout.includes('- the attestation is about attempt 2, and this run span is attempt 3'),
    result.stdout,
  );
});

test('forged: two spans with the same span id are named', async () => {
  let original!: OtlpSpan;
  const result = await verifyEdited(triage, (document) => {
    original = named(runSpans(document, firstTriage()), 'chat gpt-4o-mini');
    const twin = copy(original);
    setStringAttribute(twin, 'gen_ai.response.model', 'gpt-4o-2024-08-06');
    addSpanBeside(document, original, twin);
  });
  assert.equal(result.code, 1);
  assert.ok(
    result.stdout.includes(
      `FAIL  two different spans share span id ${original.spanId} ("chat gpt-4o-mini", "chat gpt-4o-mini"): one was forged or copied`,
    ),
    result.stdout,
  );
});

test('forged: a span moved under another parent is named', async () => {
  let moved!: OtlpSpan;
  let from!: string;
  let to!: string;
  const result = await verifyEdited(triage, (document) => {
    const spans = runSpans(document, firstTriage());
    moved = named(spans, 'chat gpt-4o-mini');
    from = moved.parentSpanId!;
    to = named(spans, 'step summarize').spanId;
    moved.parentSpanId = to;
  });
  assert.equal(result.code, 1);
  assert.ok(
    result.stdout.includes(
      `- changed: span "chat gpt-4o-mini" (${moved.spanId}): parent ${from} -> ${to} (moved under another parent)`,
    ),
    result.stdout,
  );
});

test('forged: an overflow marker added to the signed ledger to hide a span is named (the payload no longer matches its signature)', async () => {
  const result = await verifyEdited(triage, (document) => {
    const spans = runSpans(document, firstTriage());
    const event = runSpanOf(spans).events!.find((candidate) => candidate.name === 'runproof.run.attestation')!;
    const envelope = JSON.parse(String(attribute(event, 'runproof.attestation.envelope'))) as { payload: string };
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
      predicate: { ledger: { overflow?: unknown } };
    };
    statement.predicate.ledger.overflow = { count: 1, digest: '0'.repeat(64) };
    setStringAttribute(
      event,
      'runproof.attestation.envelope',
      JSON.stringify({ ...envelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') }),
    );
    addSpanBeside(document, runSpanOf(spans), { ...copy(named(spans, 'step classify')), spanId: 'feedfacecafe0001' });
  });
  assert.equal(result.code, 1);
  assert.match(
    result.stdout,
    /- invalid: the signature of key [0-9a-f]{16}… does not match the envelope's payload \(it was changed after signing\)/,
  );
});

test('a ledger past its bound accounts for the rest by count and digest: untouched it verifies, a span added past the list is named', async () => {
  const overflowing = readOtlp(files.overflow);
  const runId = runIdsOf(overflowing, 'invoice-triage')[0]!;
  assert.deepEqual(attestationOf(runSpanOf(runSpans(overflowing, runId))).statement.predicate.ledger.spans.length, 3);
  assert.equal(attestationOf(runSpanOf(runSpans(overflowing, runId))).statement.predicate.ledger.overflow?.count, 5);
  const untouched = await runVerify([files.overflow, '--key', key.publicPath]);
  assert.equal(untouched.code, 0, untouched.stdout);
  assert.match(untouched.stdout, /ok {4}ledger {5}3 signed spans \+ 5 past the list, 8 present/);
  const result = await verifyEdited(overflowing, (document) => {
    const spans = runSpans(document, runId);
    addSpanBeside(document, runSpanOf(spans), { ...copy(named(spans, 'step classify')), spanId: 'feedfacecafe0002' });
  });
  assert.equal(result.code, 1);
  assert.ok(
    result.stdout.includes(
      "- the 6 spans past the ledger's list do not match its overflow (5 signed spans by count and digest): a span past the list was added, removed or changed",
    ),
    result.stdout,
  );
});

test('--json gives the same findings as data, --run one run', async () => {
  const runId = firstTriage();
  const result = await runVerify([files.triage, '--key', key.publicPath, '--run', runId, '--json']);
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
  const missing = await runVerify([files.triage, '--key', key.publicPath, '--run', 'no-such-run']);
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /^FAILED: the traces hold no run no-such-run$/m);
});

test('without --key no signature counts as checked', async () => {
  const result = await runVerify([files.triage]);
  assert.equal(result.code, 1);
  assert.match(
    result.stdout,
    /- not checked: no --key given \(the envelope names key [0-9a-f]{64}\); pass the signer's public key/,
  );
});

test('runproof verify refuses a private key given as --key, and says where the public key comes from', async () => {
  const result = await runVerify([files.triage, '--key', key.privatePath]);
  assert.equal(result.code, 2);
  assert.equal(
    result.stderr,
    `runproof: --key: "${key.privatePath}" is a private key, not a public key: give its public half (\`openssl pkey -in signing-key.pem -pubout -out signing-key.pub.pem\`); the private key stays with the signer\n`,
  );
});
