// Durable runs end to end: a worker app (apps/invoice-worker.mjs) with the real `openai` client
// against the simulator, zero-code (`--import @runproof/core/register`), its spans over OTLP/HTTP to
// a real receiver, its journal in each kind of store. Processes die, fail, hand off and race.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openRunStore } from '@runproof/core';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';
import { runApp } from '../support/app.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';
import { storeKinds } from './store-kinds.ts';

const worker = fileURLToPath(new URL('./apps/invoice-worker.mjs', import.meta.url));
/** A URL of each kind where nothing answers, with the password `hunter2`. */
const UNREACHABLE = {
  sqlite: 'sqlite:/proc/runproof-no-such-folder/runs.db',
  postgres: 'postgres://runproof:hunter2@127.0.0.1:1/runs',
  redis: 'redis://:hunter2@127.0.0.1:1/0',
};

let simulator: Simulator;
let receiver: OtlpReceiver;
before(async () => {
  simulator = await startSimulator({ chunkDelayMs: 0 });
  receiver = await startOtlpReceiver();
});
after(async () => {
  await simulator.close();
  await receiver.close();
});

/** How many model calls each step's question reached the simulator with. */
function callsByStep(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of simulator.requests) {
    const content = (request.body as { messages?: { content?: string }[] }).messages?.[0]?.content ?? '';
    const step = /^step (\d)/.exec(content)?.[1];
    if (step !== undefined) counts[step] = (counts[step] ?? 0) + 1;
  }
  return counts;
}

function runSpans(runId: string): ReceivedSpan[] {
  return receiver.spans.filter(
    (span) => span.name === 'invoke_workflow invoice-triage' && span.attributes['runproof.run.id'] === runId,
  );
}

function stepSpans(runId: string, attempt: ReceivedSpan): ReceivedSpan[] {
  return receiver.spans.filter(
    (span) =>
      span.traceId === attempt.traceId && span.name.startsWith('step ') && span.attributes['runproof.run.id'] === runId,
  );
}

let counter = 0;
for (const store of storeKinds) {
  describe(`durable runs on ${store.kind}`, { skip: store.skip }, () => {
    let url: string;
    before(async () => {
      await store.setUp();
      url = await store.fresh();
    });
    after(() => store.tearDown());

    async function work(runId: string, env: Record<string, string> = {}) {
      const result = await runApp(worker, {
        args: ['--import', '@runproof/core/register'],
        env: {
          RUN_ID: runId,
          RUNPROOF_STORE: url,
          OPENAI_BASE_URL: simulator.url,
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_BSP_SCHEDULE_DELAY: '50',
          OTEL_SERVICE_NAME: 'invoice-worker',
          ...env,
        },
      });
      const output =
        result.stdout.trim() === ''
          ? {}
          : (JSON.parse(result.stdout.trim().split('\n').at(-1)!) as {
              result?: unknown;
              error?: { name: string; code: string; message: string };
            });
      return { ...result, ...output };
    }

    function newRunId(label: string): string {
      counter += 1;
      return `invoice-${label}-${counter}-${store.kind}`;
    }

    test('a process killed in step 3 of 5 is resumed by another: steps 1–2 replayed, one run id, attempts linked, budget counted across both', async () => {
      simulator.reset();
      const runId = newRunId('killed');
      // A short lease, so the dead process's claim expires soon after it died.
      const killed = await work(runId, { KILL_IN_STEP: '3', RUNPROOF_LEASE_MS: '5000' });
      const killedAt = Date.now();
      assert.equal(killed.code, null, 'the first process was killed by its signal');
      assert.deepEqual(callsByStep(), { 1: 1, 2: 1, 3: 1 });

      // The dead process holds the run until its lease expires (two executors at once: see below).
      await new Promise((resolve) => setTimeout(resolve, killedAt + 5000 - Date.now()));
      const resumed = await work(runId);
      assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
      assert.deepEqual(callsByStep(), { 1: 1, 2: 1, 3: 2, 4: 1, 5: 1 }, 'steps 1 and 2 ran once, in the first process');

      const journal = await readJournal(url, runId);
      assert.deepEqual(
        journal.header.attempts.map((attempt) => [
          attempt.attempt,
          attempt.continuation,
          attempt.outcome ?? 'did not end',
        ]),
        [
          [1, 'new', 'did not end'],
          [2, 'resume', 'completed'],
        ],
      );
      assert.equal(journal.header.status, 'completed');
      assert.deepEqual(
        journal.header.usage,
        { modelCalls: 5, toolCalls: 0, toolCallsByName: {}, tokens: journal.header.usage.tokens, costUsd: 0 },
        'the two journaled calls of attempt 1 and the three of attempt 2',
      );
      assert.ok(journal.header.usage.tokens > 0);
      assert.deepEqual(journal.steps.map((step) => [step.key, step.attempt]).sort(), [
        ['check#1', 2],
        ['classify#1', 1],
        ['draft#1', 2],
        ['extract#1', 1],
        ['post#1', 2],
      ]);

      // Attempt 1's spans died with its process; attempt 2's arrive, linked to attempt 1's run span.
      const [attempt2] = await receiver
        .waitFor(() => runSpans(runId).length === 1 && stepSpans(runId, runSpans(runId)[0]!).length === 5)
        .then(() => runSpans(runId));
      const first = journal.header.attempts[0]!;
      assert.deepEqual(
        attempt2!.links.map((link) => [link.traceId, link.spanId]),
        [[first.traceId, first.spanId]],
      );
      assert.deepEqual(
        { ...attempt2!.attributes, 'runproof.run.fingerprint': 'ignored', 'runproof.run.observed_digest': 'ignored' },
        {
          'gen_ai.operation.name': 'invoke_workflow',
          'gen_ai.workflow.name': 'invoice-triage',
          'runproof.run.id': runId,
          'runproof.run.name': 'invoice-triage',
          'runproof.run.attempt': 2,
          'runproof.run.continuation': 'resume',
          'runproof.run.store': store.kind,
          'runproof.run.outcome': 'completed',
          'runproof.boundary.decision': 'allow',
          'runproof.boundary.policy': 'invoice-triage',
          'runproof.run.fingerprint': 'ignored',
          'runproof.run.observed_digest': 'ignored',
        },
      );
      const steps: Record<string, ReceivedSpan> = Object.fromEntries(
        stepSpans(runId, attempt2!).map((span) => [span.attributes['runproof.step.key'] as string, span]),
      );
      const replayed = journal.steps.find((step) => step.key === 'extract#1')!;
      assert.equal(steps['extract#1']!.attributes['runproof.step.replayed'], true);
      assert.deepEqual(
        steps['extract#1']!.links.map((link) => [link.traceId, link.spanId]),
        [[replayed.traceId, replayed.spanId]],
      );
      assert.equal(steps['classify#1']!.attributes['runproof.step.replayed'], true);
      for (const key of ['check#1', 'draft#1', 'post#1'])
        assert.equal(steps[key]!.attributes['runproof.step.replayed'], undefined, key);
    });

    test('a process stopped by SIGTERM in step 3 gives its lease back: the redelivered job resumes at once', async () => {
      simulator.reset();
      const runId = newRunId('sigterm');
      const stopped = await work(runId, { TERM_IN_STEP: '3' });
      assert.equal(stopped.signal, 'SIGTERM');
      const resumed = await work(runId);
      assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
      assert.deepEqual(callsByStep(), { 1: 1, 2: 1, 3: 2, 4: 1, 5: 1 });
      const journal = await readJournal(url, runId);
      assert.deepEqual(
        journal.header.attempts.map((attempt) => [attempt.continuation, attempt.outcome ?? 'did not end']),
        [
          ['new', 'did not end'],
          ['resume', 'completed'],
        ],
      );
    });

    test('a run that failed in step 2 is retried: continuation retry, step 1 replayed', async () => {
      simulator.reset();
      const runId = newRunId('failed');
      const failed = await work(runId, { FAIL_IN_STEP: '2', MAX_MODEL_CALLS: '6' });
      assert.equal(failed.code, 1);
      assert.equal(failed.error?.message, 'step 2 failed');
      const retried = await work(runId, { MAX_MODEL_CALLS: '6' });
      assert.equal(retried.code, 0, retried.stderr + retried.stdout);
      assert.deepEqual(callsByStep(), { 1: 1, 2: 2, 3: 1, 4: 1, 5: 1 });
      const journal = await readJournal(url, runId);
      assert.deepEqual(
        journal.header.attempts.map((attempt) => [attempt.attempt, attempt.continuation, attempt.outcome]),
        [
          [1, 'new', 'failed'],
          [2, 'retry', 'completed'],
        ],
      );
      assert.equal(journal.header.usage.modelCalls, 6, "the failed attempt's two calls count too");
      const spans = await receiver.waitFor(() => runSpans(runId).length === 2).then(() => runSpans(runId));
      assert.deepEqual(
        spans
          .map((span) => [
            span.attributes['runproof.run.attempt'],
            span.attributes['runproof.run.continuation'],
            span.attributes['runproof.run.outcome'],
          ])
          .sort(),
        [
          [1, 'new', 'failed'],
          [2, 'retry', 'completed'],
        ],
      );
    });

    test('a retry cannot spend the budget again: the calls of the failed attempt count, and the retry halts at the limit', async () => {
      simulator.reset();
      const runId = newRunId('budget');
      await work(runId, { FAIL_IN_STEP: '2' });
      const retried = await work(runId);
      assert.equal(retried.error?.code, 'RUNPROOF_BOUNDARY_HALT');
      assert.equal(
        retried.error?.message,
        'Boundary "invoice-triage" (max_model_calls, halt): model call 6 is over the limit of 5',
      );
      assert.deepEqual(callsByStep(), { 1: 1, 2: 2, 3: 1, 4: 1 }, 'the sixth call (step 5) was never sent');
      const journal = await readJournal(url, runId);
      assert.deepEqual(
        journal.header.attempts.map((attempt) => [attempt.continuation, attempt.outcome]),
        [
          ['new', 'failed'],
          ['retry', 'halted'],
        ],
      );
    });

    test('a handoff waits for its target; resumed by it in another process: continuation handoff, the decision returned, nothing redone', async () => {
      simulator.reset();
      const runId = newRunId('handoff');
      const handedOff = await work(runId, { HANDOFF: '1' });
      assert.equal(handedOff.code, 1);
      assert.equal(handedOff.error?.code, 'RUNPROOF_RUN_HANDED_OFF');
      let journal = await readJournal(url, runId);
      assert.equal(journal.header.status, 'handed_off');
      assert.deepEqual(
        journal.header.handoffs.map(({ key, to, reason, attempt, resumedAt }) => ({
          key,
          to,
          reason,
          attempt,
          resumedAt,
        })),
        [
          {
            key: '@handoff:ap-team#1',
            to: 'ap-team',
            reason: 'amount over the approval limit',
            attempt: 1,
            resumedAt: undefined,
          },
        ],
      );

      // Someone else resuming it stops at the handoff again: still waiting, nothing more runs.
      const retried = await work(runId, { HANDOFF: '1' });
      assert.equal(retried.error?.code, 'RUNPROOF_RUN_HANDED_OFF');
      assert.deepEqual(callsByStep(), { 1: 1, 2: 1 });

      const picked = await work(runId, { HANDOFF: '1', BY: 'ap-team', INPUT: '{"approved":true}' });
      assert.equal(picked.code, 0, picked.stderr);
      assert.deepEqual(callsByStep(), { 1: 1, 2: 1, 3: 1, 4: 1, 5: 1 });
      journal = await readJournal(url, runId);
      assert.deepEqual(
        journal.header.attempts.map((attempt) => [
          attempt.continuation,
          attempt.outcome,
          attempt.executor.startsWith('ap-team'),
        ]),
        [
          ['new', 'handed_off', false],
          ['resume', 'handed_off', false],
          ['handoff', 'completed', true],
        ],
      );
      assert.equal(journal.header.handoffs[0]!.resumedBy, 'ap-team');
      const spans = await receiver.waitFor(() => runSpans(runId).length === 3).then(() => runSpans(runId));
      const first = spans.find((span) => span.attributes['runproof.run.attempt'] === 1)!;
      assert.deepEqual(
        first.events.filter((event) => event.name === 'runproof.run.handoff').map((event) => event.attributes),
        [{ 'runproof.handoff.target': 'ap-team', 'runproof.handoff.reason': 'amount over the approval limit' }],
      );
      assert.equal(first.attributes['runproof.run.outcome'], 'handed_off');
      assert.equal(first.status.code, 'STATUS_CODE_UNSET', 'a handoff is not a failure');
      assert.equal(
        spans.find((span) => span.attributes['runproof.run.attempt'] === 3)!.attributes['runproof.run.continuation'],
        'handoff',
      );
    });

    test('a completed run id run again does not execute: its journaled result is returned', async () => {
      simulator.reset();
      const runId = newRunId('twice');
      const first = await work(runId);
      assert.equal(first.code, 0, first.stderr);
      const requests = simulator.requests.length;
      const second = await work(runId);
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual(second.result, first.result);
      assert.equal(simulator.requests.length, requests, 'no model call the second time');
      const spans = await receiver.waitFor(() => runSpans(runId).length === 2).then(() => runSpans(runId));
      const replay = spans.find((span) => span.attributes['runproof.run.replayed'] === true);
      assert.ok(replay, 'the second run span says it was replayed');
      assert.equal(replay.attributes['runproof.run.outcome'], 'completed');
      assert.equal(stepSpans(runId, replay).length, 0);
    });

    test('two executors at once: exactly one runs the work, the other gets RunInProgressError before any step', async () => {
      simulator.reset();
      const runId = newRunId('race');
      // The first holds the run 8 s in step 1; the second starts 2 s after it, however slow start-up is.
      const [a, b] = await Promise.all([
        work(runId, { HOLD_MS: '8000' }),
        new Promise((resolve) => setTimeout(resolve, 2000)).then(() => work(runId)),
      ]);
      const outcomes = [a, b].map((result) => result.error?.code ?? 'ok').sort();
      assert.deepEqual(outcomes, ['RUNPROOF_RUN_IN_PROGRESS', 'ok']);
      assert.deepEqual(callsByStep(), { 1: 1, 2: 1, 3: 1, 4: 1, 5: 1 });
    });

    // A server to stop: PostgreSQL and Redis (a SQLite file has none).
    if (store.kind !== 'sqlite')
      test('store down mid-run: the run fails naming the step whose result was not journaled, and the resume redoes only that step', async () => {
        simulator.reset();
        const runId = newRunId('store-down');
        const child = spawn(process.execPath, ['--import', '@runproof/core/register', worker], {
          env: {
            ...process.env,
            RUN_ID: runId,
            RUNPROOF_STORE: url,
            OPENAI_BASE_URL: simulator.url,
            OTEL_TRACES_EXPORTER: 'none',
            OTEL_METRICS_EXPORTER: 'none',
            STORE_DOWN_IN_STEP: '2',
            RUNPROOF_LEASE_MS: '2000',
          },
          stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
        });
        let stdout = '';
        child.stdout!.on('data', (chunk) => (stdout += chunk));
        child.on('message', () => {
          void store.server!.stop().then(() => child.send('stopped'));
        });
        const [code] = (await once(child, 'exit')) as [number | null];
        await store.server!.restart();
        assert.equal(code, 1);
        const failure = JSON.parse(stdout.trim()) as { error: { code: string; message: string } };
        assert.equal(failure.error.code, 'RUNPROOF_JOURNAL_WRITE_FAILED');
        assert.match(
          failure.error.message,
          new RegExp(`^Run "${runId}" could not record the result of step "classify#1": `),
        );
        assert.ok(!failure.error.message.includes(store.server!.password), 'no password in the message');

        // The failed attempt could not record its end either: its lease has to expire first.
        await new Promise((resolve) => setTimeout(resolve, 2000));
        const resumed = await work(runId);
        assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
        assert.deepEqual(callsByStep(), { 1: 1, 2: 2, 3: 1, 4: 1, 5: 1 }, 'only step 2 ran again');
      });

    test('store down at run(): a typed error naming the store without its password, nothing executed', async () => {
      simulator.reset();
      const down = await work(newRunId('down'), { RUNPROOF_STORE: UNREACHABLE[store.kind] });
      assert.equal(down.code, 1);
      assert.equal(down.error?.code, 'RUNPROOF_STORE_UNAVAILABLE');
      assert.equal(simulator.requests.length, 0);
      assert.ok(!`${down.stdout}${down.stderr}`.includes('hunter2'), 'the password never appears');
    });
  });
}

async function readJournal(url: string, runId: string) {
  const store = await openRunStore(url);
  try {
    const journal = await store.read(runId);
    assert.ok(journal, `the store holds run ${runId}`);
    return journal;
  } finally {
    await store.close();
  }
}
