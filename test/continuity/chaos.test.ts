// Chaos: worker processes take 200 durable runs from one shared list while a controller SIGKILLs a
// random worker every few hundred milliseconds and starts a new one. At the end every run completed
// exactly once, no journaled step ran again, no budget was exceeded, and no two executors held a
// run at once — read from the journal and from what the model API received.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openRunStore, type RunJournal } from '@runproof/core';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';
import { storeKinds } from './store-kinds.ts';

const worker = fileURLToPath(new URL('./apps/chaos-worker.mjs', import.meta.url));
const RUNS = 200;
const WORKERS = 3;
const CHAOS_MS = 12_000;
const KILL_EVERY_MS = 400;
const LEASE_MS = 800;
const MAX_MODEL_CALLS = 12;

let simulator: Simulator;
before(async () => {
  simulator = await startSimulator({ chunkDelayMs: 0 });
});
after(() => simulator.close());

for (const kind of storeKinds.filter((candidate) => candidate.kind !== 'sqlite')) {
  describe(`chaos on ${kind.kind}`, { skip: kind.skip }, () => {
    before(() => kind.setUp());
    after(() => kind.tearDown());

    test(
      `${RUNS} durable runs, workers SIGKILLed at random: each run completes exactly once, no journaled step runs again`,
      { timeout: 120_000 },
      async (t) => {
        simulator.reset();
        const url = await kind.fresh();
        const runIds = Array.from({ length: RUNS }, (_, index) => `chaos-${index}-'";{x}*\n-${kind.kind}`);
        const started = Date.now();
        const workers = new Set<ChildProcess>();
        const finished: number[] = [];
        let kills = 0;
        const startWorker = () => {
          const child = spawn(process.execPath, [worker], {
            env: {
              ...process.env,
              RUN_IDS: runIds.join(','),
              RUNPROOF_STORE: url,
              RUNPROOF_LEASE_MS: String(LEASE_MS),
              STEP_DELAY_MS: '25',
              OPENAI_BASE_URL: simulator.url,
              OTEL_SDK_DISABLED: 'true',
            },
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          workers.add(child);
          child.on('exit', (code) => {
            workers.delete(child);
            if (code === 0) finished.push(Date.now());
          });
        };
        for (let index = 0; index < WORKERS; index++) startWorker();

        // Chaos: kill a random worker and start a new one, for a bounded time.
        while (Date.now() - started < CHAOS_MS && finished.length === 0) {
          await new Promise((resolve) => setTimeout(resolve, KILL_EVERY_MS));
          const victims = [...workers];
          const victim = victims[Math.floor(Math.random() * victims.length)];
          if (victim !== undefined && victim.kill('SIGKILL')) kills++;
          startWorker();
        }
        // Then the workers left finish the list.
        const deadline = Date.now() + 90_000;
        while (workers.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
        for (const child of workers) child.kill('SIGKILL');
        assert.ok(finished.length > 0, 'a worker finished the list');

        const store = await openRunStore(url);
        const journals: RunJournal[] = [];
        try {
          for (const runId of runIds) {
            const journal = await store.read(runId);
            assert.ok(journal, `run ${JSON.stringify(runId)} is in the journal`);
            journals.push(journal);
          }
        } finally {
          await store.close();
        }

        let resumedAttempts = 0;
        let replayedSteps = 0;
        const requestsByStep = new Map<string, number[]>();
        for (const request of simulator.requests) {
          const content = (request.body as { messages: { content: string }[] }).messages[0]!.content;
          requestsByStep.set(content, [...(requestsByStep.get(content) ?? []), request.receivedAt]);
        }
        for (const { header, steps } of journals) {
          // Completed exactly once, with one result.
          assert.equal(header.status, 'completed', header.id);
          assert.deepEqual(header.attempts.filter((attempt) => attempt.outcome === 'completed').length, 1, header.id);
          assert.equal(header.attempts.at(-1)!.outcome, 'completed', header.id);
          assert.equal((JSON.parse(header.result!) as number[]).length, 3, header.id);
          assert.deepEqual(steps.map((step) => step.key).sort(), ['one#1', 'three#1', 'two#1'], header.id);
          // No budget exceeded.
          assert.ok(
            header.usage.modelCalls <= MAX_MODEL_CALLS,
            `${header.id} used ${header.usage.modelCalls} model calls`,
          );
          // One executor at a time: each attempt starts after the one before it ended or, if its
          // process died, after the last step it journaled.
          for (let index = 1; index < header.attempts.length; index++) {
            const before = header.attempts[index - 1]!;
            const next = header.attempts[index]!;
            const lastWrite = Math.max(
              before.startedAt,
              before.endedAt ?? 0,
              ...steps.filter((step) => step.attempt === before.attempt).map((step) => step.completedAt),
            );
            assert.ok(
              next.startedAt >= lastWrite,
              `${header.id}: attempt ${next.attempt} started before attempt ${before.attempt} stopped writing`,
            );
          }
          resumedAttempts += header.attempts.length - 1;
          // No step whose result was journaled ran again: no request for it after it completed.
          for (const step of steps) {
            const number = { 'one#1': 1, 'two#1': 2, 'three#1': 3 }[step.key]!;
            const times = requestsByStep.get(`${header.id} step ${number}`) ?? [];
            assert.ok(times.length >= 1, `${header.id} ${step.key} made its call`);
            assert.deepEqual(
              times.filter((time) => time > step.completedAt),
              [],
              `${header.id} ${step.key} ran again after it was journaled`,
            );
            replayedSteps += header.attempts.filter((attempt) => attempt.attempt > step.attempt).length;
          }
        }
        const figures = {
          store: kind.kind,
          runs: RUNS,
          kills,
          resumedAttempts,
          replayedSteps,
          modelCalls: simulator.requests.length,
          wallSeconds: (Date.now() - started) / 1000,
        };
        t.diagnostic(JSON.stringify(figures));
        process.stdout.write(`chaos ${JSON.stringify(figures)}\n`);
        assert.ok(kills > 0, 'workers were killed');
      },
    );
  });
}
