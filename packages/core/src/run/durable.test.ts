import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, test } from 'node:test';
import { digest, openRunStore, run, RunproofError, step, StepResultError, type RunJournal } from '@runproof/core';
import { createTestHarness } from '@runproof/core/testing';

const harness = createTestHarness();
const directory = mkdtempSync(join(tmpdir(), 'runproof-durable-unit-'));
let store = '';
let stores = 0;
beforeEach(async () => {
  await harness.reset();
  store = `sqlite:${join(directory, `runs-${++stores}.db`)}`;
  harness.useDurability({ store });
});

async function journalOf(runId: string): Promise<RunJournal> {
  const opened = await openRunStore(store);
  try {
    const journal = await opened.read(runId);
    assert.ok(journal);
    return journal;
  } finally {
    await opened.close();
  }
}

test('a step result JSON cannot hold is a StepResultError naming the step, before anything of it is journaled', async () => {
  for (const [result, problem] of [
    [{ total: 10n }, /^The result of step "price#1" cannot be journaled: it is not JSON-serializable \(cannot canonicalize a bigint at \$\.total\)$/],
    [{ ratio: Number.NaN }, /cannot canonicalize NaN at \$\.ratio/],
    [{ run: () => 1 }, /cannot canonicalize a function at \$\.run/],
  ] as const) {
    await harness.reset();
    const runId = `unserializable-${String(problem)}`;
    await assert.rejects(
      run({ name: 'pricing', id: runId, durable: true }, async () => {
        await step('fetch', () => ({ ok: true }));
        return step('price', () => result);
      }),
      (error) => StepResultError.isInstance(error) && error.step === 'price#1' && problem.test(error.message),
    );
    const journal = await journalOf(runId);
    assert.deepEqual(journal.steps.map((step) => step.key), ['fetch#1'], 'the step before it is journaled, it is not');
    assert.equal(journal.header.status, 'failed');
  }
});

test('a result over maxResultBytes is refused with its size; the cap is an option', async () => {
  harness.useDurability({ store, maxResultBytes: 1024 });
  await assert.rejects(run({ name: 'big', id: 'over-the-cap', durable: true }, () => step('load', () => 'x'.repeat(2000))), {
    code: 'RUNPROOF_STEP_RESULT_INVALID',
    message: 'The result of step "load#1" cannot be journaled: it is 2002 bytes of JSON, over the limit of 1024 (maxResultBytes)',
  });
  assert.equal(await run({ name: 'big', id: 'under-the-cap', durable: true }, () => step('load', () => 'x'.repeat(1000))), 'x'.repeat(1000));
});

test('steps are keyed by path and occurrence; a retry replays each one it finds, with the value JSON gives back', async () => {
  let executions = 0;
  const work = async (failAt: number) =>
    run({ name: 'keys', id: 'keys-1', durable: true }, async () => {
      const when = await step('stamp', () => (executions++, new Date('2026-12-07T00:00:00Z')));
      const nested = await step('outer', () => step('inner', () => (executions++, { depth: 2 })));
      const second = await step('stamp', () => (executions++, 'second'));
      if (failAt === 3) throw new Error('after three steps');
      return { when, nested, second };
    });
  await assert.rejects(work(3), /after three steps/);
  assert.equal(executions, 3);
  const result = await work(0);
  assert.equal(executions, 3, 'nothing ran again');
  assert.deepEqual(result, { when: '2026-12-07T00:00:00.000Z', nested: { depth: 2 }, second: 'second' }, 'a Date comes back as its ISO string');
  const journal = await journalOf('keys-1');
  assert.deepEqual(journal.steps.map((step) => step.key), ['stamp#1', 'outer/inner#1', 'outer#1', 'stamp#2']);
  const replayed = harness.spansWith({ 'runproof.step.replayed': true }).map((span) => span.attributes['runproof.step.key']).sort();
  assert.deepEqual(replayed, ['outer#1', 'stamp#1', 'stamp#2'], 'the inner step never ran the second time: its parent was replayed');
});

test('a step whose declared input changed runs again, flagged with both digests; an unchanged one replays', async () => {
  let executions = 0;
  const triage = (invoice: { amount: number }) =>
    run({ name: 'inputs', id: 'inputs-1', durable: true }, async () => {
      const fields = await step('extract', () => (executions++, { amount: invoice.amount }), { input: { invoice: 'INV-1' } });
      const verdict = await step('classify', () => (executions++, fields.amount > 1000 ? 'review' : 'pay'), { input: fields });
      if (verdict === 'pay') throw new Error('payments are down');
      return verdict;
    });
  await assert.rejects(triage({ amount: 10 }), /payments are down/);
  await harness.reset();
  // The same run continued, but extraction is replayed with the old amount: classify's input is the same.
  await assert.rejects(triage({ amount: 5000 }), /payments are down/);
  assert.equal(executions, 2);
  assert.deepEqual(harness.spansWith({ 'runproof.step.diverged': true }), []);

  // Now classify is declared with another input: it runs again.
  await harness.reset();
  const divergent = () =>
    run({ name: 'inputs', id: 'inputs-1', durable: true }, () => step('classify', () => (executions++, 'review'), { input: { amount: 5000 } }));
  // (the first step of this attempt is classify#1: another code path, as after a deploy)
  assert.equal(await divergent(), 'review');
  assert.equal(executions, 3);
  const span = harness.span('step classify');
  assert.equal(span.attributes['runproof.step.diverged'], true);
  assert.equal(span.attributes['runproof.step.replayed'], undefined);
  const [event] = span.events.filter((candidate) => candidate.name === 'runproof.step.diverged');
  assert.deepEqual(event?.attributes, {
    'runproof.step.recorded_input_digest': digest({ amount: 10 }),
    'runproof.step.input_digest': digest({ amount: 5000 }),
  });
});

test('encodeResult and decodeResult wrap what is stored (e.g. encryption) and what is replayed', async () => {
  const encode = (json: string) => Buffer.from(json).toString('base64');
  const decode = (stored: string) => Buffer.from(stored, 'base64').toString();
  harness.useDurability({ store, encodeResult: encode, decodeResult: decode });
  let executions = 0;
  const work = (fail: boolean) =>
    run({ name: 'sealed', id: 'sealed-1', durable: true }, async () => {
      const secret = await step('read', () => (executions++, { iban: 'DE89 3704 0044 0532 0130 00' }));
      if (fail) throw new Error('first attempt fails');
      return secret;
    });
  await assert.rejects(work(true), /first attempt fails/);
  assert.deepEqual(await work(false), { iban: 'DE89 3704 0044 0532 0130 00' });
  assert.equal(executions, 1);
  const journal = await journalOf('sealed-1');
  assert.equal(journal.steps[0]!.result, encode('{"iban":"DE89 3704 0044 0532 0130 00"}'));
  assert.ok(!JSON.stringify(journal).includes('DE89'), 'nothing in clear in the store');
});

test('a durable run needs an id, and durable.by must name someone', async () => {
  await assert.rejects(run({ name: 'no-id', durable: true }, () => 1), (error) => RunproofError.isInstance(error) && error.code === 'RUNPROOF_INVALID_ARGUMENT' && /a durable run needs an id/.test(error.message));
  await assert.rejects(run({ name: 'no-by', id: 'x', durable: { by: ' ' } }, () => 1), /durable\.by must be a non-empty string/);
});
