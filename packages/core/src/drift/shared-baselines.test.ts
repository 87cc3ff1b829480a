import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as NodeSqlite from 'node:sqlite';
import { after, test } from 'node:test';
import type { Durability } from '../continuity/durability.ts';
import type { RunStore } from '../continuity/journal.ts';
import { openStore } from '../continuity/open-store.ts';
import type { BaselineStore } from '../continuity/baselines.ts';
import { MAX_VALUES, VALUES_WINDOW_MILLIS } from './baseline-values.ts';
import { MAX_SUBJECTS, SharedBaselines } from './shared-baselines.ts';

const MINUTE = 60_000;
const folder = mkdtempSync(join(tmpdir(), 'runproof-baselines-'));
after(() => rmSync(folder, { recursive: true, force: true }));
let files = 0;

/** The settings a process with this store configured has; each engine is one process's cache. */
function durabilityOf(store: () => Promise<RunStore>, storeName: string): Durability {
  return {
    leaseMs: 30_000,
    retentionMs: 60_000,
    codec: { maxResultBytes: 1024 },
    storeName,
    storeKind: 'sqlite',
    configured: true,
    store,
    close: async () => (await store()).close(),
  };
}

async function sqliteStore(path = join(folder, `store-${++files}.db`)): Promise<RunStore & BaselineStore> {
  return (await openStore(`sqlite:${path}`)) as RunStore & BaselineStore;
}

const engines: SharedBaselines[] = [];

/** One process's cache of the fleet's baselines. */
function engineOf(durability: Durability): SharedBaselines {
  const engine = new SharedBaselines(durability);
  engines.push(engine);
  return engine;
}

/** Closes a store at the end of a test, its processes stopped first (as when a store is replaced). */
async function closeStore(store: RunStore): Promise<void> {
  for (const engine of engines.splice(0)) engine.stop();
  await store.close();
}

/** Runs `work` with stderr captured; returns what Runproof wrote there. */
async function stderrOf(work: () => Promise<void>): Promise<string> {
  const write = process.stderr.write.bind(process.stderr);
  let written = '';
  process.stderr.write = (chunk: string | Uint8Array) => {
    written += String(chunk);
    return true;
  };
  try {
    await work();
  } finally {
    process.stderr.write = write;
  }
  // Node 22 warns once that node:sqlite is experimental, whenever it is first loaded: not ours.
  return written.replace(/^\(node:\d+\) ExperimentalWarning: SQLite.*\n(\n|\(Use `node --trace-warnings.*\n)?/m, '');
}

test('a new process compares with the baseline another recorded, with its first-seen time, and reports each new value once', async () => {
  const store = await sqliteStore();
  const durability = durabilityOf(() => Promise.resolve(store), 'sqlite:a.db');
  const T0 = Date.now() - 2 * 60 * MINUTE;
  const subject = 'f'.repeat(64);

  const first = engineOf(durability);
  await first.preload();
  assert.equal(
    first.compare(subject, 'resolved_model', 'gpt-4o-mini-2024-07-18', T0),
    'unknown',
    'nothing recorded yet: judged per process',
  );
  assert.equal(first.compare(subject, 'resolved_model', 'gpt-4o-mini-2024-07-18', T0 + 1_000), 'unknown');
  await first.flush();
  assert.deepEqual(await store.readBaselines([subject]), [
    {
      subject,
      kind: 'resolved_model',
      value: 'gpt-4o-mini-2024-07-18',
      firstSeen: T0,
      lastSeen: T0 + 1_000,
      count: 2,
      baselineSince: T0,
    },
  ]);
  assert.deepEqual(
    first.compare(subject, 'resolved_model', 'gpt-4o-mini-2025-07-18', T0 + 2_000),
    { value: 'gpt-4o-mini-2024-07-18', firstSeen: T0 },
    "the batch's answer refreshed the cache",
  );

  const second = engineOf(durability);
  await second.preload();
  const T1 = T0 + 60 * MINUTE;
  assert.equal(second.compare(subject, 'resolved_model', 'gpt-4o-mini-2024-07-18', T1), 'same');
  assert.deepEqual(second.compare(subject, 'resolved_model', 'gpt-4o-mini-2025-07-18', T1 + 1), {
    value: 'gpt-4o-mini-2024-07-18',
    firstSeen: T0,
  });
  assert.equal(
    second.compare(subject, 'resolved_model', 'gpt-4o-mini-2025-07-18', T1 + 2),
    'same',
    'reported once per process',
  );
  await second.flush();
  await first.flush();
  const values = await store.readBaselines([subject]);
  assert.deepEqual(values.map((value) => [value.value, value.count, value.baselineSince]).sort(), [
    ['gpt-4o-mini-2024-07-18', 3, T0],
    ['gpt-4o-mini-2025-07-18', 3, undefined],
  ]);
  await closeStore(store);
});

test('the baseline moves only once the new value has settled; the old value is then drift against it', async () => {
  const store = await sqliteStore();
  const durability = durabilityOf(() => Promise.resolve(store), 'sqlite:b.db');
  const T0 = Date.now() - 3 * 60 * MINUTE;
  const subject = 'e'.repeat(64);
  const fleet = engineOf(durability);
  await fleet.preload();
  fleet.compare(subject, 'system_fingerprint', 'fp_1', T0);
  await fleet.flush();

  // The provider flaps: fp_2 for 20 minutes, but fp_1 keeps answering now and then.
  const flapping = T0 + 10 * MINUTE;
  for (let minute = 0; minute <= 20; minute++)
    fleet.compare(subject, 'system_fingerprint', 'fp_2', flapping + minute * MINUTE);
  fleet.compare(subject, 'system_fingerprint', 'fp_1', flapping + 15 * MINUTE);
  await fleet.flush();
  const baselineOf = async () =>
    (await store.readBaselines([subject])).find((value) => value.baselineSince !== undefined)?.value;
  assert.equal(await baselineOf(), 'fp_1', 'fp_1 was seen 5 minutes before fp_2 last was: not settled');

  // Then only fp_2, for 10 more minutes: it settles.
  for (let minute = 21; minute <= 26; minute++)
    fleet.compare(subject, 'system_fingerprint', 'fp_2', flapping + minute * MINUTE);
  await fleet.flush();
  assert.equal(await baselineOf(), 'fp_2');

  const later = engineOf(durability);
  await later.preload();
  assert.equal(later.compare(subject, 'system_fingerprint', 'fp_2', Date.now()), 'same');
  assert.deepEqual(later.compare(subject, 'system_fingerprint', 'fp_1', Date.now()), {
    value: 'fp_2',
    firstSeen: flapping,
  });
  await closeStore(store);
});

test('a store that fails: comparisons are judged per process, one warning on stderr, and nothing thrown', async () => {
  const durability = durabilityOf(
    () => openStore('sqlite:/proc/runproof-no-such-folder/runs.db'),
    'sqlite:/proc/runproof-no-such-folder/runs.db',
  );
  const engine = engineOf(durability);
  const written = await stderrOf(async () => {
    await engine.preload();
    assert.equal(engine.compare('d'.repeat(64), 'resolved_model', 'm-1', Date.now()), 'unknown');
    assert.equal(engine.compare('d'.repeat(64), 'resolved_model', 'm-2', Date.now()), 'unknown');
    await engine.flush();
  });
  assert.match(
    written,
    /^runproof: loading drift baselines in sqlite:\/proc\/runproof-no-such-folder\/runs\.db failed \(.+\); drift is judged per process until it answers\n$/,
  );
});

test(`a subject and kind with more than ${MAX_VALUES} values (data, not structure) stops keeping and reporting new ones`, async () => {
  const store = await sqliteStore();
  const engine = engineOf(durabilityOf(() => Promise.resolve(store), 'sqlite:c.db'));
  await engine.preload();
  const subject = 'c'.repeat(64);
  const now = Date.now();
  engine.compare(subject, 'input_shape', 'shape-0', now);
  await engine.flush();
  const reported = [];
  for (let index = 1; index <= MAX_VALUES + 5; index++) {
    if (engine.compare(subject, 'input_shape', `shape-${index}`, now + index) !== 'same') reported.push(index);
    await engine.flush();
  }
  assert.deepEqual(
    reported,
    Array.from({ length: MAX_VALUES - 1 }, (_, index) => index + 1),
  );
  assert.equal((await store.readBaselines([subject])).length, MAX_VALUES, 'the values past them are not kept either');

  await closeStore(store);
});

test('a SQLite file another process is writing: a flush waits for it on a timer, never on the lock — calls go on — and writes as soon as it is free, without a warning', async () => {
  const path = join(folder, `store-${++files}.db`);
  const store = await sqliteStore(path);
  const engine = engineOf(durabilityOf(() => Promise.resolve(store), 'sqlite:d.db'));
  await engine.preload();
  const subject = 'b'.repeat(64);
  const now = Date.now();
  // The other process: another connection to the file, in the middle of a write for 300 ms.
  const { DatabaseSync } = createRequire(import.meta.url)('node:sqlite') as typeof NodeSqlite;
  const other = new DatabaseSync(path);
  other.exec('BEGIN IMMEDIATE');
  setTimeout(() => {
    other.exec('COMMIT');
    other.close();
  }, 300);
  // The event loop's longest pause while the flush waits: node:sqlite is synchronous, and waiting
  // for the lock there (5 s for the journal) would stop every call the app is serving.
  let longest = 0;
  let last = performance.now();
  const ticks = setInterval(() => {
    longest = Math.max(longest, performance.now() - last);
    last = performance.now();
  }, 5);
  const written = await stderrOf(async () => {
    engine.compare(subject, 'resolved_model', 'gpt-4o-mini-2024-07-18', now);
    await engine.flush(); // as at shutdown: a short job's only flush
  });
  clearInterval(ticks);
  assert.equal(written, '', 'nothing is wrong with the store');
  assert.ok(longest < 200, `the event loop paused ${longest.toFixed(0)} ms`);
  assert.deepEqual(
    (await store.readBaselines([subject])).map((value) => [value.value, value.count, value.baselineSince]),
    [['gpt-4o-mini-2024-07-18', 1, now]],
  );
  await closeStore(store);
});

test(`a subject in use stays in the cache while thousands of others come and go: its drift is reported once, and it is never judged per process again`, async () => {
  const store = await sqliteStore();
  const engine = engineOf(durabilityOf(() => Promise.resolve(store), 'sqlite:e.db'));
  await engine.preload();
  const busy = 'a'.repeat(64);
  const now = Date.now();
  engine.compare(busy, 'resolved_model', 'gpt-4o-mini-2024-07-18', now);
  await engine.flush();
  assert.deepEqual(engine.compare(busy, 'resolved_model', 'gpt-4o-mini-2025-07-18', now + 1), {
    value: 'gpt-4o-mini-2024-07-18',
    firstSeen: now,
  });
  // Three cachefuls of other subjects, written as they come; the busy subject called every 100th.
  const verdicts = new Set<string>();
  for (let index = 0; index < 3 * MAX_SUBJECTS; index++) {
    engine.compare(index.toString(16).padStart(64, '0'), 'resolved_model', 'gpt-4.1-2025-04-14', now + 2);
    if (index % 100 === 0) {
      const verdict = engine.compare(busy, 'resolved_model', 'gpt-4o-mini-2025-07-18', now + 3);
      verdicts.add(typeof verdict === 'string' ? verdict : 'reported again');
    }
    if (index % 1_000 === 999) await engine.flush();
  }
  await engine.flush();
  const last = engine.compare(busy, 'resolved_model', 'gpt-4o-mini-2025-07-18', now + 4);
  verdicts.add(typeof last === 'string' ? last : 'reported again');
  assert.deepEqual([...verdicts], ['same']);
  await closeStore(store);
});

test(`judged per process (a store that keeps no baselines, or is down), a subject and kind reports at most ${MAX_VALUES} values and remembers no more`, async () => {
  const custom = { kind: 'custom' } as unknown as RunStore;
  const engine = engineOf(durabilityOf(() => Promise.resolve(custom), 'custom'));
  const subject = 'f'.repeat(64);
  await engine.preload();
  let reported = 0;
  // A checkpoint's input keyed by ids: a new shape on every call.
  for (let index = 0; index < 20_000; index++) {
    const shape = index.toString(16).padStart(64, '0');
    assert.equal(engine.compare(subject, 'input_shape', shape, Date.now()), 'unknown');
    if (engine.firstReport(subject, 'input_shape', shape)) reported++;
  }
  assert.equal(reported, MAX_VALUES);
  assert.equal(engine.firstReport(subject, 'resolved_model', 'gpt-4o-mini-2025-07-18'), true, 'each kind has its own');
});

test('a subject last seen 40 days ago (a monthly job) is compared with its baseline from the first call of the next process', async () => {
  const store = await sqliteStore();
  const subject = '4'.repeat(64);
  const longAgo = Date.now() - 40 * 24 * 60 * MINUTE;
  await store.recordObservations([
    {
      subject,
      kind: 'resolved_model',
      value: 'gpt-4o-mini-2024-07-18',
      count: 3,
      firstSeen: longAgo,
      lastSeen: longAgo,
    },
  ]);
  const engine = engineOf(durabilityOf(() => Promise.resolve(store), 'sqlite:f.db'));
  await engine.preload();
  assert.deepEqual(engine.compare(subject, 'resolved_model', 'gpt-4o-mini-2025-07-18', Date.now()), {
    value: 'gpt-4o-mini-2024-07-18',
    firstSeen: longAgo,
  });
  await closeStore(store);
});

test(`a subject and kind whose ${MAX_VALUES} values were last seen over a week ago (backends a provider retired) still records and reports a new one`, async () => {
  const store = await sqliteStore();
  const subject = '7'.repeat(64);
  const now = Date.now();
  const weeksAgo = now - 5 * VALUES_WINDOW_MILLIS;
  // A year of backend rotations: fp_0 (the baseline) to fp_31, the last of them eight days ago.
  await store.recordObservations(
    Array.from({ length: MAX_VALUES }, (_, index) => ({
      subject,
      kind: 'system_fingerprint',
      value: `fp_${index}`,
      count: 100,
      firstSeen: weeksAgo + index * 60_000,
      lastSeen: now - VALUES_WINDOW_MILLIS - 86_400_000 + index,
    })),
  );
  const engine = engineOf(durabilityOf(() => Promise.resolve(store), 'sqlite:g.db'));
  await engine.preload();
  assert.deepEqual(engine.compare(subject, 'system_fingerprint', 'fp_new', now), {
    value: 'fp_0',
    firstSeen: weeksAgo,
  });
  await engine.flush();
  assert.ok(
    (await store.readBaselines([subject])).some((value) => value.value === 'fp_new'),
    'recorded, so the baseline can move to it',
  );
  await closeStore(store);
});

test('a subject another process recorded after this one started is read when first met, so its first call is compared', async () => {
  const store = await sqliteStore();
  const durability = durabilityOf(() => Promise.resolve(store), 'sqlite:h.db');
  const subject = '8'.repeat(64);
  const now = Date.now();
  // B starts with an empty store; then A, another replica, makes the first call with these conditions.
  const replicaB = engineOf(durability);
  await replicaB.preload();
  const replicaA = engineOf(durability);
  await replicaA.preload();
  replicaA.compare(subject, 'resolved_model', 'gpt-4o-mini-2024-07-18', now);
  await replicaA.flush();
  // The provider moves the alias; B's first call with these conditions starts (noteCall), then answers.
  replicaB.note(subject, () => '{"on":"call"}');
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(replicaB.compare(subject, 'resolved_model', 'gpt-4o-mini-2025-07-18', now + 60_000), {
    value: 'gpt-4o-mini-2024-07-18',
    firstSeen: now,
  });
  await closeStore(store);
});

test("a value judged per process while the store's answer was on its way is compared with the fleet's baseline once it arrives", async () => {
  const store = await sqliteStore();
  const durability = durabilityOf(() => Promise.resolve(store), 'sqlite:i.db');
  const subject = '9'.repeat(64);
  const now = Date.now();
  const replicaB = engineOf(durability);
  await replicaB.preload();
  const replicaA = engineOf(durability);
  await replicaA.preload();
  replicaA.compare(subject, 'resolved_model', 'gpt-4o-mini-2024-07-18', now);
  await replicaA.flush();
  // B's calls with the new snapshot before the store answered for the subject: judged per process.
  assert.equal(replicaB.compare(subject, 'resolved_model', 'gpt-4o-mini-2025-07-18', now + 1_000), 'unknown');
  assert.equal(replicaB.compare(subject, 'resolved_model', 'gpt-4o-mini-2025-07-18', now + 2_000), 'unknown');
  await new Promise((resolve) => setTimeout(resolve, 50));
  // The same value again, now that the answer is in: drift against the fleet's baseline, once.
  assert.deepEqual(replicaB.compare(subject, 'resolved_model', 'gpt-4o-mini-2025-07-18', now + 3_000), {
    value: 'gpt-4o-mini-2024-07-18',
    firstSeen: now,
  });
  assert.equal(replicaB.compare(subject, 'resolved_model', 'gpt-4o-mini-2025-07-18', now + 4_000), 'same');
  await closeStore(store);
});
