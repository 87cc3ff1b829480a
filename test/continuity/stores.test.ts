// The run store contract, one suite run against SQLite (a file), PostgreSQL and Redis (real servers
// on loopback ports): claims and leases, fenced writes, concurrency within a process and across
// processes, listing and retention, the schema version, hostile input, and a server that goes away.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { LeaseLostError } from '../../packages/core/src/continuity/errors.ts';
import type { RunHeader, RunJournal, RunStore } from '../../packages/core/src/continuity/journal.ts';
import { SCHEMA_VERSION, newHeader } from '../../packages/core/src/continuity/schema.ts';
import { openStore } from '../../packages/core/src/continuity/open-store.ts';
import { runApp } from '../support/app.ts';
import { awkwardResult, headerOf, LEASE_MS, stepOf, T0 } from './records.ts';
import { storeKinds } from './store-kinds.ts';

const claimRace = fileURLToPath(new URL('./apps/claim-race.ts', import.meta.url));
const neverClosed = fileURLToPath(new URL('./apps/never-closed.ts', import.meta.url));

/** How long a call may take to fail against a server that is down. */
const DOWN_BOUND_MS = 2_500;

const HOSTILE_IDS = [
  `it's a "quoted" id`,
  `'; DROP TABLE runproof_runs; --`,
  `x' OR '1'='1`,
  '*',
  'run:*',
  '{invoice}:42',
  'runproof:meta',
  'two\nlines\r\nand a tab\t',
  ' leading and trailing spaces ',
  'nul\u0000byte',
  '$1 ? %s \\ ]] --[[',
  '請求書-2024-Ünïcödé-🧾',
  'x'.repeat(10 * 1024),
  // 10 KB that do not compress (an index entry holds about 2.7 KB).
  Array.from({ length: 240 }, (_, index) => createHash('sha256').update(String(index)).digest('base64'))
    .join('')
    .slice(0, 10 * 1024),
];

function leaseLost(runId: string): (error: unknown) => boolean {
  return (error) =>
    error instanceof LeaseLostError &&
    error.code === 'RUNPROOF_LEASE_LOST' &&
    error.message === `Run ${JSON.stringify(runId)} was taken over by another executor`;
}

for (const kind of storeKinds) {
  describe(`${kind.kind} run store`, { skip: kind.skip }, () => {
    const opened: RunStore[] = [];
    let url = '';
    let store: RunStore;

    /** A store as `openStore` makes it, closed after the suite. */
    async function open(at = url): Promise<RunStore> {
      const made = await openStore(at);
      opened.push(made);
      return made;
    }

    before(async () => {
      await kind.setUp();
      url = await kind.fresh();
      store = await open();
    });
    after(async () => {
      await Promise.all(opened.map((each) => each.close()));
      await kind.tearDown();
    });

    test('claims a run never seen: no journal yet, and a new header in the store', async () => {
      assert.deepEqual(await store.claim('inv-1001', 'invoice-triage', 'token-a', T0 + LEASE_MS, T0), {
        kind: 'claimed',
        journal: undefined,
      });
      assert.deepEqual(await store.read('inv-1001'), {
        header: newHeader('inv-1001', 'invoice-triage', T0),
        steps: [],
      });
      assert.equal(await store.read('inv-1002'), undefined);
    });

    test('a held lease makes the run busy until it expires; its holder may claim it again', async () => {
      const journal: RunJournal = { header: newHeader('inv-1100', 'invoice-triage', T0), steps: [] };
      await store.claim('inv-1100', 'invoice-triage', 'token-a', T0 + LEASE_MS, T0);
      assert.deepEqual(await store.claim('inv-1100', 'invoice-triage', 'token-b', T0 + 1 + LEASE_MS, T0 + 1), {
        kind: 'busy',
        leaseUntil: T0 + LEASE_MS,
      });
      assert.deepEqual(await store.claim('inv-1100', 'invoice-triage', 'token-a', T0 + 2 + LEASE_MS, T0 + 2), {
        kind: 'claimed',
        journal,
      });
      // Expired at the instant it ends.
      assert.deepEqual(
        await store.claim('inv-1100', 'invoice-triage', 'token-b', T0 + 2 + 2 * LEASE_MS, T0 + 2 + LEASE_MS),
        { kind: 'claimed', journal },
      );
      assert.deepEqual(
        await store.claim('inv-1100', 'invoice-triage', 'token-a', T0 + 3 + 2 * LEASE_MS, T0 + 3 + LEASE_MS),
        { kind: 'busy', leaseUntil: T0 + 2 + 2 * LEASE_MS },
      );
    });

    test('renewing extends the lease that other claims see', async () => {
      await store.claim('inv-1150', 'invoice-triage', 'token-a', T0 + 1_000, T0);
      await store.renew('inv-1150', 'token-a', T0 + 5_000);
      assert.deepEqual(await store.claim('inv-1150', 'invoice-triage', 'token-b', T0 + 32_000, T0 + 2_000), {
        kind: 'busy',
        leaseUntil: T0 + 5_000,
      });
    });

    test('a released run is claimed by the next attempt at once, with its journal', async () => {
      await store.claim('inv-1200', 'invoice-triage', 'token-a', T0 + LEASE_MS, T0);
      const step = stepOf('extract#1', 1, { vendor: 'ACME GmbH', total: 1249.5 }, T0 + 100);
      const failed = headerOf('inv-1200', 'failed', T0 + 200);
      await store.writeStep(step, headerOf('inv-1200', 'in_progress', T0 + 100), 'token-a');
      await store.writeHeader(failed, 'token-a', { release: true });
      assert.deepEqual(await store.claim('inv-1200', 'invoice-triage', 'token-b', T0 + 300 + LEASE_MS, T0 + 300), {
        kind: 'claimed',
        journal: { header: failed, steps: [step] },
      });
    });

    test('a completed run answers completed with its journal to every claim, even under a live lease', async () => {
      await store.claim('inv-1300', 'invoice-triage', 'token-a', T0 + LEASE_MS, T0);
      const step = stepOf('classify#1', 1, { verdict: 'approve' }, T0 + 100);
      await store.writeStep(step, headerOf('inv-1300', 'in_progress', T0 + 100), 'token-a');
      const completed = headerOf('inv-1300', 'completed', T0 + 200, { result: JSON.stringify({ posted: true }) });
      await store.writeHeader(completed, 'token-a');
      const journal = { header: completed, steps: [step] };
      assert.deepEqual(await store.claim('inv-1300', 'invoice-triage', 'token-b', T0 + 300 + LEASE_MS, T0 + 300), {
        kind: 'completed',
        journal,
      });
      assert.deepEqual(await store.claim('inv-1300', 'invoice-triage', 'token-a', T0 + 400 + LEASE_MS, T0 + 400), {
        kind: 'completed',
        journal,
      });
      assert.deepEqual(await store.read('inv-1300'), journal);
    });

    test('writes under a lease another executor took throw LeaseLostError and change nothing', async () => {
      await store.claim('inv-1400', 'invoice-triage', 'token-a', T0 + LEASE_MS, T0);
      await store.writeStep(
        stepOf('extract#1', 1, { vendor: 'ACME GmbH' }, T0 + 10),
        headerOf('inv-1400', 'in_progress', T0 + 10),
        'token-a',
      );
      const taken = await store.claim('inv-1400', 'invoice-triage', 'token-b', T0 + 2 * LEASE_MS, T0 + LEASE_MS);
      assert.equal(taken.kind, 'claimed');
      const before = await store.read('inv-1400');

      await assert.rejects(
        store.writeStep(
          stepOf('classify#1', 1, 'stale', T0 + 20),
          headerOf('inv-1400', 'in_progress', T0 + 20, { modelCalls: 9 }),
          'token-a',
        ),
        leaseLost('inv-1400'),
      );
      await assert.rejects(
        store.writeHeader(headerOf('inv-1400', 'failed', T0 + 30), 'token-a', { release: true }),
        leaseLost('inv-1400'),
      );
      await assert.rejects(
        store.writeHeader(headerOf('inv-1400', 'completed', T0 + 30), 'token-a'),
        leaseLost('inv-1400'),
      );
      await assert.rejects(store.renew('inv-1400', 'token-a', T0 + 10 * LEASE_MS), leaseLost('inv-1400'));
      assert.deepEqual(await store.read('inv-1400'), before);
      // The lease is still token-b's, until its own expiry.
      assert.deepEqual(
        await store.claim('inv-1400', 'invoice-triage', 'token-c', T0 + 3 * LEASE_MS, T0 + LEASE_MS + 1),
        { kind: 'busy', leaseUntil: T0 + 2 * LEASE_MS },
      );

      await assert.rejects(store.writeHeader(headerOf('inv-never', 'failed', T0), 'token-a'), leaseLost('inv-never'));
      await assert.rejects(
        store.writeStep(stepOf('extract#1', 1, 1, T0), headerOf('inv-never', 'in_progress', T0), 'token-a'),
        leaseLost('inv-never'),
      );
      assert.equal(await store.read('inv-never'), undefined);
    });

    test('a step and its header are written together; steps read back in the order written, a rewritten one last', async () => {
      await store.claim('inv-1500', 'invoice-triage', 'token-a', T0 + LEASE_MS, T0);
      const steps = [
        stepOf('extract#1', 1, { vendor: 'ACME GmbH' }, T0 + 10),
        stepOf('classify#1', 1, 'approve', T0 + 20),
        stepOf('extract/ocr#2', 1, ['page 1', 'page 2'], T0 + 30),
      ];
      for (const [index, step] of steps.entries())
        await store.writeStep(
          step,
          headerOf('inv-1500', 'in_progress', step.completedAt, { modelCalls: index + 1 }),
          'token-a',
        );
      assert.deepEqual(await store.read('inv-1500'), {
        header: headerOf('inv-1500', 'in_progress', T0 + 30, { modelCalls: 3 }),
        steps,
      });

      const redone = stepOf('extract#1', 2, { vendor: 'ACME GmbH', diverged: true }, T0 + 40);
      await store.writeStep(
        redone,
        headerOf('inv-1500', 'in_progress', T0 + 40, { attempts: 2, modelCalls: 4 }),
        'token-a',
      );
      assert.deepEqual(await store.read('inv-1500'), {
        header: headerOf('inv-1500', 'in_progress', T0 + 40, { attempts: 2, modelCalls: 4 }),
        steps: [steps[1], steps[2], redone],
      });
    });

    test('a reader never sees a step without the header written with it', async () => {
      const reader = await open();
      await store.claim('inv-1600', 'invoice-triage', 'token-a', T0 + LEASE_MS, T0);
      let writing = true;
      const reads: RunJournal[] = [];
      const readLoop = (async () => {
        while (writing) reads.push((await reader.read('inv-1600'))!);
      })();
      for (let index = 1; index <= 40; index++) {
        await store.writeStep(
          stepOf(`fetch-page#${index}`, 1, { page: index }, T0 + index),
          headerOf('inv-1600', 'in_progress', T0 + index, { modelCalls: index }),
          'token-a',
        );
      }
      writing = false;
      await readLoop;
      assert.ok(reads.length > 0);
      for (const journal of reads)
        assert.equal(
          journal.steps.length,
          journal.header.usage.modelCalls,
          `${journal.steps.length} steps with the header of ${journal.header.usage.modelCalls}`,
        );
    });

    test('claims racing in one process, over several connections: exactly one wins each run, new or expired', async () => {
      const stores = await Promise.all(Array.from({ length: 4 }, () => open()));
      const ids = [
        'race-1',
        'race-2',
        'race-3',
        'race-4',
        'race-5',
        'expired-1',
        'expired-2',
        'expired-3',
        'released-1',
        'released-2',
      ];
      for (const id of ids.filter((each) => !each.startsWith('race-'))) {
        await store.claim(id, 'race', 'token-crashed', T0 - 1, T0 - LEASE_MS);
        if (id.startsWith('released-'))
          await store.writeHeader(headerOf(id, 'failed', T0 - 2), 'token-crashed', { release: true });
      }
      const results = await Promise.all(
        ids.map((id) =>
          Promise.all(
            Array.from({ length: 16 }, (_, index) =>
              stores[index % 4]!.claim(id, 'race', `token-${index}`, T0 + LEASE_MS + index, T0),
            ),
          ),
        ),
      );
      for (const claims of results) {
        const winners = claims.flatMap((claim, index) => (claim.kind === 'claimed' ? [index] : []));
        assert.equal(winners.length, 1, JSON.stringify(claims));
        // Every loser is told the winner's lease.
        assert.deepEqual(
          claims.filter((claim) => claim.kind !== 'claimed'),
          Array.from({ length: 15 }, () => ({ kind: 'busy', leaseUntil: T0 + LEASE_MS + winners[0]! })),
        );
      }
    });

    test('claims racing from several processes: exactly one process wins each run', async () => {
      const ids = Array.from({ length: 12 }, (_, index) => `process-race-${index}`);
      // Half of them held before by an executor whose lease has long expired.
      for (const id of ids.slice(6)) await store.claim(id, 'race', 'token-crashed', 1, 0);
      const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('NODE_TEST')));
      const racers = Array.from({ length: 4 }, (_, index) =>
        spawn(process.execPath, [claimRace, url, `process-${index}`, JSON.stringify(ids)], {
          env,
          stdio: ['pipe', 'pipe', 'inherit'],
        }),
      );
      const outputs = racers.map((racer) => {
        let output = '';
        racer.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        return once(racer, 'exit').then(([code]: unknown[]) => ({ code, lines: output.trim().split('\n') }));
      });
      await Promise.all(
        racers.map((racer) => new Promise<void>((resolve) => racer.stdout.once('data', () => resolve()))),
      );
      for (const racer of racers) racer.stdin.end('go\n');
      const answers = await Promise.all(outputs);
      for (const answer of answers) assert.equal(answer.code, 0);
      const kinds = answers.map((answer) => JSON.parse(answer.lines[1]!) as string[]);
      for (const [index, id] of ids.entries()) {
        const column = kinds.map((each) => each[index]).sort();
        assert.deepEqual(column, ['busy', 'busy', 'busy', 'claimed'], id);
      }
    });

    test('lists runs most recently changed first, by status, up to a limit', async () => {
      const listed = await open(await kind.fresh());
      const headers = [
        headerOf('inv-a', 'failed', T0 + 10),
        headerOf('inv-b', 'completed', T0 + 40, { result: '"done"' }),
        headerOf('inv-c', 'handed_off', T0 + 30),
        headerOf('inv-d', 'failed', T0 + 50, { attempts: 2 }),
        headerOf('inv-e', 'in_progress', T0 + 20),
      ];
      for (const header of headers) {
        await listed.claim(header.id, header.name, 'token-a', T0 + LEASE_MS, T0);
        await listed.writeHeader(header, 'token-a', { release: header.status !== 'in_progress' });
      }
      const [a, b, c, d, e] = headers as [RunHeader, RunHeader, RunHeader, RunHeader, RunHeader];
      assert.deepEqual(await listed.list(), [d, b, c, e, a]);
      assert.deepEqual(await listed.list({ limit: 2 }), [d, b]);
      assert.deepEqual(await listed.list({ status: 'failed' }), [d, a]);
      assert.deepEqual(await listed.list({ status: 'failed', limit: 1 }), [d]);
      assert.deepEqual(await listed.list({ status: 'in_progress' }), [e]);
      assert.deepEqual(await listed.list({ status: 'escalated' }), []);

      // A retried run moves from failed to in_progress, and to the top.
      await listed.claim('inv-a', 'invoice-triage', 'token-b', T0 + 60 + LEASE_MS, T0 + 60);
      const retried = headerOf('inv-a', 'in_progress', T0 + 60, { attempts: 2 });
      await listed.writeHeader(retried, 'token-b');
      assert.deepEqual(await listed.list({ status: 'failed' }), [d]);
      assert.deepEqual(await listed.list({ status: 'in_progress' }), [retried, e]);
      assert.deepEqual(await listed.list(), [retried, d, b, c, e]);
    });

    test('lists at most 100 runs by default', async () => {
      const listed = await open(await kind.fresh());
      for (let index = 0; index < 105; index++)
        await listed.claim(`bulk-${index}`, 'bulk', 'token-a', T0 + LEASE_MS, T0 + index);
      assert.deepEqual(
        (await listed.list()).map((header) => header.id),
        Array.from({ length: 100 }, (_, index) => `bulk-${104 - index}`),
      );
    });

    test('removes completed runs changed before a time, with their steps, and nothing else', async () => {
      const kept = await open(await kind.fresh());
      const write = async (header: RunHeader, steps: number): Promise<void> => {
        await kept.claim(header.id, header.name, 'token-a', T0 + LEASE_MS, T0);
        for (let index = 1; index <= steps; index++)
          await kept.writeStep(
            stepOf(`step#${index}`, 1, index, T0 + index),
            headerOf(header.id, 'in_progress', T0 + index),
            'token-a',
          );
        await kept.writeHeader(header, 'token-a', { release: true });
      };
      await write(headerOf('old-completed', 'completed', T0 + 100, { result: '1' }), 2);
      await write(headerOf('older-completed', 'completed', T0 + 50, { result: '2' }), 1);
      await write(headerOf('edge-completed', 'completed', T0 + 200, { result: '3' }), 1);
      await write(headerOf('new-completed', 'completed', T0 + 300, { result: '4' }), 1);
      await write(headerOf('old-failed', 'failed', T0 + 100), 1);
      await write(headerOf('old-handed-off', 'handed_off', T0 + 110), 1);
      const survivors = ['edge-completed', 'new-completed', 'old-failed', 'old-handed-off'];
      const before = await Promise.all(survivors.map((id) => kept.read(id)));

      assert.equal(await kept.removeCompleted(T0 + 200), 2);
      assert.equal(await kept.read('old-completed'), undefined);
      assert.equal(await kept.read('older-completed'), undefined);
      assert.deepEqual(await Promise.all(survivors.map((id) => kept.read(id))), before);
      assert.deepEqual(
        (await kept.list({ status: 'completed' })).map((header) => header.id),
        ['new-completed', 'edge-completed'],
      );
      assert.deepEqual(
        (await kept.list()).map((header) => header.id),
        ['new-completed', 'edge-completed', 'old-handed-off', 'old-failed'],
      );
      assert.equal(await kept.removeCompleted(T0 + 200), 0);
      // Its id is free again: a new run, with none of the old steps.
      assert.deepEqual(await kept.claim('old-completed', 'invoice-triage', 'token-b', T0 + 400 + LEASE_MS, T0 + 400), {
        kind: 'claimed',
        journal: undefined,
      });
      assert.deepEqual(await kept.read('old-completed'), {
        header: newHeader('old-completed', 'invoice-triage', T0 + 400),
        steps: [],
      });
    });

    test('stores opening an empty store at once all find one schema, at this version', async () => {
      const empty = await kind.fresh();
      const stores = await Promise.all(Array.from({ length: 6 }, () => open(empty)));
      const claims = await Promise.all(
        stores.map((each, index) => each.claim(`first-${index}`, 'first', 'token-a', T0 + LEASE_MS, T0 + index)),
      );
      assert.deepEqual(
        claims,
        Array.from({ length: 6 }, () => ({ kind: 'claimed', journal: undefined })),
      );
      assert.equal((await stores[0]!.list()).length, 6);
      assert.equal(await kind.schemaVersion(empty), SCHEMA_VERSION);
    });

    test('a store written by a newer Runproof is refused, and left as it was', async () => {
      const newer = await kind.fresh();
      const first = await openStore(newer);
      await first.claim('inv-2000', 'invoice-triage', 'token-a', T0 + LEASE_MS, T0);
      await first.close();
      await kind.schemaVersion(newer, SCHEMA_VERSION + 1);
      await assert.rejects(
        async () => {
          const refused = await openStore(newer);
          opened.push(refused);
          await refused.read('inv-2000');
        },
        (error: Error & { issues?: { code: string }[] }) =>
          error.name === 'ConfigError' &&
          error.issues?.[0]?.code === 'store_schema_too_new' &&
          error.message.includes(`schema version ${SCHEMA_VERSION + 1}`),
      );
      assert.equal(await kind.schemaVersion(newer), SCHEMA_VERSION + 1);
    });

    test('hostile run ids and step keys round-trip exactly, and leave every other run as it was', async () => {
      const hostile = await open(await kind.fresh());
      await hostile.claim('plain', 'invoice-triage', 'token-a', T0 + LEASE_MS, T0);
      const plain = await hostile.read('plain');
      const journals = new Map<string, RunJournal>();
      for (const [index, id] of HOSTILE_IDS.entries()) {
        assert.deepEqual(
          await hostile.claim(id, id, `token-${index}`, T0 + LEASE_MS, T0 + index),
          { kind: 'claimed', journal: undefined },
          inspect(id),
        );
        const step = stepOf(`${id}#1`, 1, { id }, T0 + 100 + index);
        const header = { ...headerOf(id, 'completed', T0 + 200 + index, { result: JSON.stringify(id) }), name: id };
        await hostile.writeStep(step, headerOf(id, 'in_progress', T0 + 100 + index), `token-${index}`);
        await hostile.writeHeader(header, `token-${index}`, { release: true });
        journals.set(id, { header, steps: [step] });
      }
      for (const [id, journal] of journals) assert.deepEqual(await hostile.read(id), journal, inspect(id));
      assert.deepEqual(await hostile.read('plain'), plain);
      assert.deepEqual(
        (await hostile.list({ limit: 1_000 })).map((header) => header.id),
        [...[...HOSTILE_IDS].reverse(), 'plain'],
      );
      assert.equal(await hostile.read('x'.repeat(10 * 1024 - 1)), undefined);
    });

    test('results of 1 MB round-trip exactly, in steps and as the run result', async () => {
      const result = awkwardResult(1024 * 1024);
      await store.claim('inv-big', 'invoice-triage', 'token-a', T0 + LEASE_MS, T0);
      const step = { ...stepOf('ocr#1', 1, null, T0 + 10), result };
      const completed = headerOf('inv-big', 'completed', T0 + 20, { result });
      await store.writeStep(step, headerOf('inv-big', 'in_progress', T0 + 10), 'token-a');
      await store.writeHeader(completed, 'token-a', { release: true });
      const read = await store.read('inv-big');
      assert.equal(read?.steps[0]?.result, result);
      assert.equal(read?.header.result, result);
      assert.deepEqual(read, { header: completed, steps: [step] });
    });

    test('an app that never closes its store still exits once idle', async () => {
      const started = performance.now();
      const app = await runApp(neverClosed, { scriptArgs: [await kind.fresh()], timeoutMs: 15_000 });
      assert.deepEqual({ code: app.code, stdout: app.stdout }, { code: 0, stdout: 'claimed\n' }, app.stderr);
      assert.ok(performance.now() - started < 10_000);
    });

    if (kind.kind !== 'sqlite') {
      test('a wrong password is refused with messages that hold neither it nor the right one', async () => {
        const wrong = `wrong-${kind.server!.password.slice(0, 8)}`;
        const withWrong = url.replace(kind.server!.password, wrong);
        const refused = await open(withWrong);
        const error = await refused.claim('inv-3000', 'invoice-triage', 'token-a', T0 + LEASE_MS, T0).then(
          () => assert.fail('claimed with a wrong password'),
          (rejection: unknown) => rejection,
        );
        const everything = inspect(error, { depth: 10 });
        assert.ok(!everything.includes(wrong) && !everything.includes(kind.server!.password), everything);
      });

      // Last: it stops the server.
      test('a server that is down fails calls fast, with messages without the password; back up, the same store works', async () => {
        await store.claim('inv-4000', 'invoice-triage', 'token-a', T0 + LEASE_MS, T0);
        await kind.server!.stop();
        try {
          const opening = await open();
          for (const each of [store, opening]) {
            const started = performance.now();
            const error = await each.claim('inv-4001', 'invoice-triage', 'token-a', T0 + LEASE_MS, T0).then(
              () => assert.fail('claimed with the server down'),
              (rejection: unknown) => rejection,
            );
            const elapsed = performance.now() - started;
            assert.ok(elapsed < DOWN_BOUND_MS, `failed after ${Math.round(elapsed)} ms`);
            assert.ok(!inspect(error, { depth: 10 }).includes(kind.server!.password), inspect(error));
          }
        } finally {
          await kind.server!.restart();
        }
        assert.deepEqual(await store.claim('inv-4002', 'invoice-triage', 'token-a', T0 + LEASE_MS, T0), {
          kind: 'claimed',
          journal: undefined,
        });
      });
    }
  });
}
