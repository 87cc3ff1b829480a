import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, test } from 'node:test';
import {
  digest,
  handoff,
  JournalWriteError,
  openRunStore,
  run,
  RunHandedOffError,
  RunproofError,
  step,
  StepResultError,
  tool,
  type RunJournal,
} from '@runproof/core';
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
    [
      { total: 10n },
      /^The result of step "price#1" cannot be journaled: it is not JSON-serializable \(cannot canonicalize a bigint at \$\.total\)$/,
    ],
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
    assert.deepEqual(
      journal.steps.map((step) => step.key),
      ['fetch#1'],
      'the step before it is journaled, it is not',
    );
    assert.equal(journal.header.status, 'failed');
  }
});

test('a result over maxResultBytes is refused with its size; the cap is an option', async () => {
  harness.useDurability({ store, maxResultBytes: 1024 });
  await assert.rejects(
    run({ name: 'big', id: 'over-the-cap', durable: true }, () => step('load', () => 'x'.repeat(2000))),
    {
      code: 'RUNPROOF_STEP_RESULT_INVALID',
      message:
        'The result of step "load#1" cannot be journaled: it is 2002 bytes of JSON, over the limit of 1024 (maxResultBytes)',
    },
  );
  assert.equal(
    await run({ name: 'big', id: 'under-the-cap', durable: true }, () => step('load', () => 'x'.repeat(1000))),
    'x'.repeat(1000),
  );
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
  assert.deepEqual(
    result,
    { when: '2026-12-07T00:00:00.000Z', nested: { depth: 2 }, second: 'second' },
    'a Date comes back as its ISO string',
  );
  const journal = await journalOf('keys-1');
  assert.deepEqual(
    journal.steps.map((step) => step.key),
    ['stamp#1', 'outer#1/inner#1', 'outer#1', 'stamp#2'],
  );
  const replayed = harness
    .spansWith({ 'runproof.step.replayed': true })
    .map((span) => span.attributes['runproof.step.key'])
    .sort();
  assert.deepEqual(
    replayed,
    ['outer#1', 'stamp#1', 'stamp#2'],
    'the inner step never ran the second time: its parent was replayed',
  );
});

test('a step whose declared input changed runs again, flagged with both digests; an unchanged one replays', async () => {
  let executions = 0;
  const triage = (invoice: { amount: number }) =>
    run({ name: 'inputs', id: 'inputs-1', durable: true }, async () => {
      const fields = await step('extract', () => (executions++, { amount: invoice.amount }), {
        input: { invoice: 'INV-1' },
      });
      const verdict = await step('classify', () => (executions++, fields.amount > 1000 ? 'review' : 'pay'), {
        input: fields,
      });
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
    run({ name: 'inputs', id: 'inputs-1', durable: true }, () =>
      step('classify', () => (executions++, 'review'), { input: { amount: 5000 } }),
    );
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
  await assert.rejects(
    run({ name: 'no-id', durable: true }, () => 1),
    (error) =>
      RunproofError.isInstance(error) &&
      error.code === 'RUNPROOF_INVALID_ARGUMENT' &&
      /a durable run needs an id/.test(error.message),
  );
  await assert.rejects(
    run({ name: 'no-by', id: 'x', durable: { by: ' ' } }, () => 1),
    /durable\.by must be a non-empty string/,
  );
});

test('a nested step is keyed under its parent: a replayed parent never shifts the keys of the steps after it', async () => {
  const fetched: string[] = [];
  const work = (failAfter: string | undefined) =>
    run({ name: 'nested', id: 'nested-1', durable: true }, async () => {
      const results = [];
      for (const item of ['invoice-A', 'invoice-B']) {
        results.push(
          await step('process', async () => {
            const data = await step('fetch', () => (fetched.push(item), `data of ${item}`));
            if (item === failAfter) throw new Error(`failed after fetching ${item}`);
            return { item, data };
          }),
        );
      }
      return results;
    });
  await assert.rejects(work('invoice-B'), /failed after fetching invoice-B/);
  assert.deepEqual(await work(undefined), [
    { item: 'invoice-A', data: 'data of invoice-A' },
    { item: 'invoice-B', data: 'data of invoice-B' },
  ]);
  assert.deepEqual(fetched, ['invoice-A', 'invoice-B'], 'B was fetched once: its fetch was journaled under process#2');
  assert.deepEqual(
    (await journalOf('nested-1')).steps.map((step) => step.key),
    ['process#1/fetch#1', 'process#1', 'process#2/fetch#1', 'process#2'],
  );
});

test('names with / # @ % are escaped in keys, and an explicit key names a step whatever order it starts in', async () => {
  const charged: string[] = [];
  const work = (fail: boolean) =>
    run({ name: 'explicit', id: 'explicit-1', durable: true }, async () => {
      await step('a/b#1', () => 'odd name');
      const verdicts = await Promise.all(
        ['A', 'B'].map(async (item, index) => {
          await new Promise((resolve) => setTimeout(resolve, fail ? index * 20 : (1 - index) * 20)); // another order each attempt
          return step('charge', () => (charged.push(item), `charged ${item}`), { key: item });
        }),
      );
      if (fail) throw new Error('receipt failed');
      return verdicts;
    });
  await assert.rejects(work(true), /receipt failed/);
  assert.deepEqual(await work(false), ['charged A', 'charged B']);
  assert.deepEqual(charged, ['A', 'B']);
  assert.deepEqual(
    (await journalOf('explicit-1')).steps.map((step) => step.key),
    ['a%2Fb%231#1', 'charge@A', 'charge@B'],
  );
  await assert.rejects(
    run({ name: 'explicit', id: 'explicit-2', durable: true }, () => step('x', () => 1, { key: '' })),
    /options\.key must be a non-empty string/,
  );
});

test('a handoff inside a replayed step keeps its key: a second handoff to someone else still waits for them', async () => {
  let paid = 0;
  const work = (durable: true | { by: string; input: unknown }) =>
    run({ name: 'approvals', id: 'approvals-1', durable }, async () => {
      const review = await step('review', () => handoff({ to: 'ap-team', reason: 'over 10k' }));
      const cfo = await handoff({ to: 'cfo', reason: 'over 100k' });
      await step('pay', () => (paid++, { review, cfo }));
      return { review, cfo };
    });
  await assert.rejects(work(true), (error) => RunHandedOffError.isInstance(error) && error.to === 'ap-team');
  await assert.rejects(
    work({ by: 'ap-team', input: { approved: true } }),
    (error) => RunHandedOffError.isInstance(error) && error.to === 'cfo',
  );
  await assert.rejects(
    work(true),
    (error) => RunHandedOffError.isInstance(error) && error.to === 'cfo',
    'a redelivery by nobody in particular still waits for the CFO',
  );
  assert.equal(paid, 0);
  assert.deepEqual(await work({ by: 'cfo', input: { approved: 'yes' } }), {
    review: { approved: true },
    cfo: { approved: 'yes' },
  });
  assert.equal(paid, 1);
  assert.deepEqual(
    (await journalOf('approvals-1')).header.handoffs.map(({ key, to, resumedBy }) => ({ key, to, resumedBy })),
    [
      { key: 'review#1/@handoff:ap-team#1', to: 'ap-team', resumedBy: 'ap-team' },
      { key: '@handoff:cfo#1', to: 'cfo', resumedBy: 'cfo' },
    ],
  );
});

test('an attempt halted by maxAttempts is journaled as halted and leaves the attempts before it as they were', async () => {
  const boundary = { maxAttempts: 1 };
  await assert.rejects(
    run({ name: 'limited', id: 'limited-1', durable: true, boundary }, () =>
      step('a', () => Promise.reject(new Error('down'))),
    ),
    /down/,
  );
  await assert.rejects(
    run({ name: 'limited', id: 'limited-1', durable: true, boundary }, () => 1),
    { code: 'RUNPROOF_BOUNDARY_HALT' },
  );
  const { header } = await journalOf('limited-1');
  assert.deepEqual(
    header.attempts.map((attempt) => [attempt.attempt, attempt.outcome]),
    [
      [1, 'failed'],
      [2, 'halted'],
    ],
  );
  assert.equal(header.status, 'halted');
});

test('nothing is claimed until everything that could refuse the run was checked: a bad policy or handoff input holds no lease', async () => {
  await assert.rejects(
    run({ name: 'checked', id: 'checked-1', durable: true, boundary: { maxToolCalls: -1 } }, () => 1),
    { code: 'RUNPROOF_INVALID_CONFIG' },
  );
  await assert.rejects(
    run({ name: 'checked', id: 'checked-1', durable: { by: 'ap-team', input: { limit: 10n } } }, () => 1),
    { code: 'RUNPROOF_STEP_RESULT_INVALID' },
  );
  assert.equal(
    await run({ name: 'checked', id: 'checked-1', durable: true }, () => 'ran at once'),
    'ran at once',
    'no lease was left behind',
  );
});

test('steps still running when a sibling fails are waited for, and their results journaled', async () => {
  let charges = 0;
  const work = (fail: boolean) =>
    run({ name: 'siblings', id: 'siblings-1', durable: true }, () =>
      Promise.all([
        step('charge', async () => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          return ++charges;
        }),
        step('email', () => (fail ? Promise.reject(new Error('smtp down')) : 'sent')),
      ]),
    );
  await assert.rejects(work(true), /smtp down/);
  assert.deepEqual(await work(false), [1, 'sent']);
  assert.equal(charges, 1, 'the card was charged once');
});

test('once another executor has taken the run over, the next step is refused before its work starts', async () => {
  harness.useDurability({ store, leaseMs: 150 });
  let ranAfter = false;
  await assert.rejects(
    run({ name: 'taken', id: 'taken-1', durable: true }, async () => {
      await step('slow', () => {
        const until = Date.now() + 300;
        while (Date.now() < until); // the event loop is blocked: no renewal, the lease runs out
      });
      const other = await openRunStore(store);
      assert.equal(
        (await other.claim('taken-1', 'taken', 'someone-else', Date.now() + 60_000, Date.now())).kind,
        'claimed',
      );
      await other.close();
      await step('post', () => (ranAfter = true));
    }),
    (error) => JournalWriteError.isInstance(error),
  );
  assert.equal(ranAfter, false);
});

test('what the run spends is journaled at each renewal, not only when a step completes', async () => {
  harness.useDurability({ store, leaseMs: 150 });
  await run({ name: 'spending', id: 'spending-1', durable: true, boundary: { maxToolCalls: 5 } }, () =>
    step('agent', async () => {
      await tool('lookup', () => 'found')();
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(
        (await journalOf('spending-1')).header.usage.toolCalls,
        1,
        'in the journal while the step still runs',
      );
    }),
  );
});

test('one id for two workflows is refused, not replayed across them', async () => {
  assert.deepEqual(await run({ name: 'triage', id: 'INV-9', durable: true }, () => ({ verdict: 'ok' })), {
    verdict: 'ok',
  });
  await assert.rejects(
    run({ name: 'payment', id: 'INV-9', durable: true }, () => 'paid'),
    {
      code: 'RUNPROOF_RUN_ID_CONFLICT',
      message:
        'Run "INV-9" is journaled as a run of "triage", not of "payment": give each workflow\'s runs their own ids',
    },
  );
});
