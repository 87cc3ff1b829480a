// What only the Redis store does: completed runs expire by TTL, and leave its indexes with them.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { RedisStore } from '../../packages/core/src/continuity/redis-store.ts';
import { newHeader } from '../../packages/core/src/continuity/schema.ts';
import { parseStoreUrl } from '../../packages/core/src/continuity/store-url.ts';
import { redisProgram, startRedis, type RedisServer } from '../support/redis-server.ts';
import { headerOf, LEASE_MS, stepOf, T0 } from './records.ts';

describe('Redis run store retention', { skip: redisProgram.skip }, () => {
  let server: RedisServer;
  const stores: RedisStore[] = [];

  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await server.close();
  });

  async function open(completedTtlMs?: number): Promise<{ store: RedisStore; url: string }> {
    const url = await server.createDatabase();
    const store = new RedisStore(parseStoreUrl(url), completedTtlMs === undefined ? {} : { completedTtlMs });
    stores.push(store);
    return { store, url };
  }

  /** Every key, and every sorted-set member, that mentions the run: its journal and index entries. */
  async function traces(url: string, runId: string): Promise<string[]> {
    const digest = createHash('sha256').update(runId).digest('hex');
    const client = createClient({ url });
    await client.connect();
    try {
      const found: string[] = [];
      for (const key of await client.keys('*')) {
        if (key.includes(digest)) found.push(key);
        if ((await client.type(key)) === 'zset' && (await client.zScore(key, digest)) !== null)
          found.push(`${key} ∋ run`);
      }
      return found;
    } finally {
      client.destroy();
    }
  }

  async function complete(store: RedisStore, id: string, at: number, release = true): Promise<void> {
    await store.claim(id, 'invoice-triage', 'token-a', at + LEASE_MS, at);
    await store.writeStep(
      stepOf('extract#1', 1, { vendor: 'ACME GmbH' }, at + 1),
      headerOf(id, 'in_progress', at + 1),
      'token-a',
    );
    await store.writeHeader(headerOf(id, 'completed', at + 2, { result: '"posted"' }), 'token-a', { release });
  }

  test('a completed run expires after completedTtlMs and leaves the lists; other runs stay', async () => {
    const { store, url } = await open(300);
    await complete(store, 'inv-done', T0);
    const failed = headerOf('inv-failed', 'failed', T0 + 10);
    await store.claim('inv-failed', 'invoice-triage', 'token-a', T0 + LEASE_MS, T0);
    await store.writeHeader(failed, 'token-a', { release: true });
    assert.equal((await store.read('inv-done'))?.header.status, 'completed');

    await sleep(600);
    assert.equal(await store.read('inv-done'), undefined);
    assert.deepEqual(await store.list({ status: 'completed' }), []);
    assert.deepEqual(await store.list(), [failed]);
    assert.deepEqual(await traces(url, 'inv-done'), []);
    assert.deepEqual(await store.read('inv-failed'), { header: failed, steps: [] });
  });

  test('an expired run id claimed again is a new run, listed in progress only', async () => {
    const { store } = await open(200);
    await complete(store, 'inv-again', T0);
    await sleep(400);
    assert.deepEqual(await store.claim('inv-again', 'invoice-triage', 'token-b', T0 + 100 + LEASE_MS, T0 + 100), {
      kind: 'claimed',
      journal: undefined,
    });
    assert.deepEqual(await store.read('inv-again'), {
      header: newHeader('inv-again', 'invoice-triage', T0 + 100),
      steps: [],
    });
    assert.deepEqual(await store.list({ status: 'completed' }), []);
    assert.deepEqual(await store.list({ status: 'in_progress' }), [newHeader('inv-again', 'invoice-triage', T0 + 100)]);
    assert.equal(await store.removeCompleted(T0 + 1_000_000), 0);
    assert.notEqual(await store.read('inv-again'), undefined);
  });

  test('a completed run written again under its lease, as another status, no longer expires', async () => {
    const { store } = await open(200);
    await complete(store, 'inv-reopened', T0, false);
    const failed = headerOf('inv-reopened', 'failed', T0 + 10);
    await store.writeHeader(failed, 'token-a', { release: true });
    await sleep(400);
    assert.deepEqual(await store.read('inv-reopened'), {
      header: failed,
      steps: [stepOf('extract#1', 1, { vendor: 'ACME GmbH' }, T0 + 1)],
    });
  });

  test('removeCompleted removes a completed run before its TTL, with every index entry', async () => {
    const { store, url } = await open();
    await complete(store, 'inv-old', T0);
    await complete(store, 'inv-new', T0 + 1_000);
    assert.equal(await store.removeCompleted(T0 + 500), 1);
    assert.deepEqual(await traces(url, 'inv-old'), []);
    assert.deepEqual(
      (await store.list()).map((header) => header.id),
      ['inv-new'],
    );
  });

  test('completedTtlMs must be a positive whole number of milliseconds', () => {
    for (const completedTtlMs of [0, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => new RedisStore(parseStoreUrl(server.url()), { completedTtlMs }),
        (error: Error & { issues?: { path: string[] }[] }) =>
          error.name === 'ConfigError' && error.issues?.[0]?.path[0] === 'completedTtlMs',
      );
    }
  });
});
