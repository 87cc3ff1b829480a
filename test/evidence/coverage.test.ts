import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { attribute, copy, runSpans, setStringAttribute, spansOf, type OtlpSpan } from './support.ts';
import { makeSignedTraces, named, runIdsOf, runSpanOf, type SignedTraces } from './signed-traces.ts';

// Edits of a signed trace outside what the ledger first covered, each named: the attributes the
// GenAI conventions put on a model span under other names than gen_ai.* — error.type (what an
// alert on halted or failed calls reads), server.address and server.port, openai.* — a manifest
// event added beside the signed one or on another span, a span moved to another trace.
let traces: SignedTraces;
before(async () => {
  traces = await makeSignedTraces('coverage');
});
const refundCheck = () => runIdsOf(traces.triage, 'refund-check')[0]!;
const changed = (span: OtlpSpan) =>
  `- changed: span "${span.name}" (${span.spanId}): its Runproof/GenAI attributes or events differ from what was signed`;

test('error.type edited on the call its boundary halted is named', async () => {
  let halted!: OtlpSpan;
  const result = await traces.verifyEdited(traces.triage, (document) => {
    halted = runSpans(document, refundCheck()).find(
      (span) => attribute(span, 'error.type') !== undefined && span.name.startsWith('chat'),
    )!;
    assert.equal(attribute(halted, 'error.type'), 'RUNPROOF_BOUNDARY_HALT');
    setStringAttribute(halted, 'error.type', 'APIConnectionTimeoutError');
  });
  assert.equal(result.code, 1);
  assert.ok(result.stdout.includes(changed(halted)), result.stdout);
});

for (const [key, value] of [
  ['server.address', 'api.openai.com'],
  ['openai.response.service_tier', 'priority'],
  ['openai.request.id', 'req_forged'],
] as const) {
  test(`${key} edited on a model call is named`, async () => {
    let chat!: OtlpSpan;
    const result = await traces.verifyEdited(traces.triage, (document) => {
      chat = spansOf(document).find((span) => span.name === 'chat gpt-4o-mini' && attribute(span, key) !== undefined)!;
      setStringAttribute(chat, key, value);
    });
    assert.equal(result.code, 1);
    assert.ok(result.stdout.includes(changed(chat)), result.stdout);
  });
}

// The manifest: one event on the run span, which the subject digest covers; none anywhere else.
const firstTriage = () => runIdsOf(traces.triage, 'invoice-triage')[0]!;
const manifestEventOf = (span: OtlpSpan) => span.events!.find((event) => event.name === 'runproof.run.manifest')!;

test('a second manifest event added to the run span (an edited copy, read by whoever reads the last) is named', async () => {
  const result = await traces.verifyEdited(traces.triage, (document) => {
    const runSpan = runSpanOf(runSpans(document, firstTriage()));
    const forged = copy(manifestEventOf(runSpan));
    setStringAttribute(
      forged,
      'runproof.manifest',
      String(attribute(forged, 'runproof.manifest')).replace('"prompt":"triage-v3"', '"prompt":"triage-v4"'),
    );
    runSpan.events!.push(forged);
  });
  assert.equal(result.code, 1);
  assert.ok(
    result.stdout.includes('- the run span carries 2 manifest events; the run signed one, and the others were added'),
    result.stdout,
  );
});

test('a manifest event added to another span of the run is named', async () => {
  let step!: OtlpSpan;
  const result = await traces.verifyEdited(traces.triage, (document) => {
    const spans = runSpans(document, firstTriage());
    step = named(spans, 'step extract');
    step.events = [...(step.events ?? []), copy(manifestEventOf(runSpanOf(spans)))];
  });
  assert.equal(result.code, 1);
  assert.ok(result.stdout.includes(changed(step)), result.stdout);
});

test("a span moved to another trace (out of the run's, as a trace viewer shows it) is named", async () => {
  let step!: OtlpSpan;
  const result = await traces.verifyEdited(traces.triage, (document) => {
    step = named(runSpans(document, firstTriage()), 'step summarize');
    step.traceId = 'f'.repeat(32);
  });
  assert.equal(result.code, 1);
  const runSpan = runSpanOf(runSpans(traces.triage, firstTriage()));
  assert.ok(
    result.stdout.includes(
      `- changed: span "step summarize" (${step.spanId}): trace ${runSpan.traceId} -> ${'f'.repeat(32)} (moved out of its parent's trace)`,
    ),
    result.stdout,
  );
});
