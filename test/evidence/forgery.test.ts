import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  addSpanBeside,
  attestationOf,
  attribute,
  copy,
  readOtlp,
  runSpans,
  runVerify,
  setStringAttribute,
  type OtlpSpan,
} from './support.ts';
import { attemptSpan, makeSignedTraces, named, runIdsOf, runSpanOf, type SignedTraces } from './signed-traces.ts';

// runproof verify against forgeries: valid pieces of signed evidence put where they do not belong,
// spans duplicated or moved, an overflow claimed to hide spans — each named; and a ledger bound
// whose overflow, untouched, verifies.
let traces: SignedTraces;
before(async () => {
  traces = await makeSignedTraces('forgery', { overflow: true });
});
const firstTriage = () => runIdsOf(traces.triage, 'invoice-triage')[0]!;

test("forged: another run's valid attestation pasted onto this run is named", async () => {
  const [first, second] = runIdsOf(traces.triage, 'invoice-triage') as [string, string];
  const donor = runSpanOf(runSpans(traces.triage, second));
  const result = await traces.verifyEdited(traces.triage, (document) => {
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
  const older = attemptSpan(traces.payout, 2);
  const result = await traces.verifyEdited(traces.payout, (document) => {
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
  const result = await traces.verifyEdited(traces.triage, (document) => {
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
  const result = await traces.verifyEdited(traces.triage, (document) => {
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
  const result = await traces.verifyEdited(traces.triage, (document) => {
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
  const overflowing = readOtlp(traces.files.overflow);
  const runId = runIdsOf(overflowing, 'invoice-triage')[0]!;
  assert.deepEqual(attestationOf(runSpanOf(runSpans(overflowing, runId))).statement.predicate.ledger.spans.length, 3);
  assert.equal(attestationOf(runSpanOf(runSpans(overflowing, runId))).statement.predicate.ledger.overflow?.count, 5);
  const untouched = await runVerify([traces.files.overflow, '--key', traces.key.publicPath]);
  assert.equal(untouched.code, 0, untouched.stdout);
  assert.match(untouched.stdout, /ok {4}ledger {5}3 signed spans \+ 5 past the list, 8 present/);
  const result = await traces.verifyEdited(overflowing, (document) => {
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
