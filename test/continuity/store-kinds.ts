// The three kinds of run store the contract suite runs against, each with what it needs: a file
// for SQLite, a real server for PostgreSQL and Redis (skipped, with the package to install, when
// the machine has none).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as NodeSqlite from 'node:sqlite';
import pg from 'pg';
import { createClient } from 'redis';
import { sqlitePath } from '../../packages/core/src/continuity/store-url.ts';
import { postgresProgram, startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { redisProgram, startRedis, type RedisServer } from '../support/redis-server.ts';
import { removeFolder, temporaryFolder } from '../support/server-process.ts';

/** A server the store talks to, for the outage and password tests. */
export interface StoreServer {
  readonly password: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export interface StoreKind {
  readonly kind: 'sqlite' | 'postgres' | 'redis';
  /** Why its tests are skipped, or false. */
  readonly skip: string | false;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** The URL of an empty store no other test uses. */
  fresh(): Promise<string>;
  /**
   * The schema version the store at `url` records, after setting it to `set` when given (as a newer
   * Runproof would): the journal's (`schema_version`), or another meta key (`baselines_schema_version`).
   */
  schemaVersion(url: string, set?: number, key?: string): Promise<number>;
  /** Its server, for the kinds that have one (after setUp). */
  readonly server: StoreServer | undefined;
}

function sqliteKind(): StoreKind {
  let folder = '';
  let stores = 0;
  return {
    kind: 'sqlite',
    skip: false,
    server: undefined,
    setUp() {
      folder = temporaryFolder('sqlite');
      return Promise.resolve();
    },
    tearDown() {
      removeFolder(folder);
      return Promise.resolve();
    },
    fresh() {
      return Promise.resolve(`sqlite:${join(folder, `store-${++stores}.db`)}`);
    },
    schemaVersion(url, set, key = 'schema_version') {
      const { DatabaseSync } = createRequire(import.meta.url)('node:sqlite') as typeof NodeSqlite;
      const database = new DatabaseSync(sqlitePath(url));
      try {
        if (set !== undefined)
          database.prepare(`UPDATE runproof_meta SET value = ? WHERE key = ?`).run(String(set), key);
        const row = database.prepare(`SELECT value FROM runproof_meta WHERE key = ?`).get(key) as {
          value: string;
        };
        return Promise.resolve(Number(row.value));
      } finally {
        database.close();
      }
    },
  };
}

function postgresKind(): StoreKind {
  let server: PostgresServer | undefined;
  return {
    kind: 'postgres',
    skip: postgresProgram.skip,
    get server() {
      return server;
    },
    async setUp() {
      server = await startPostgres();
    },
    async tearDown() {
      await server?.close();
    },
    fresh: () => server!.createDatabase(),
    async schemaVersion(url, set, key = 'schema_version') {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        if (set !== undefined)
          await client.query(`UPDATE runproof_meta SET value = $1 WHERE key = $2`, [String(set), key]);
        const { rows } = await client.query<{ value: string }>(`SELECT value FROM runproof_meta WHERE key = $1`, [key]);
        return Number(rows[0]!.value);
      } finally {
        await client.end();
      }
    },
  };
}

function redisKind(): StoreKind {
  let server: RedisServer | undefined;
  return {
    kind: 'redis',
    skip: redisProgram.skip,
    get server() {
      return server;
    },
    async setUp() {
      server = await startRedis();
    },
    async tearDown() {
      await server?.close();
    },
    fresh: () => server!.createDatabase(),
    async schemaVersion(url, set, key = 'schema_version') {
      const client = createClient({ url });
      await client.connect();
      try {
        if (set !== undefined) await client.hSet('runproof:meta', key, String(set));
        return Number(await client.hGet('runproof:meta', key));
      } finally {
        client.destroy();
      }
    },
  };
}

/** SQLite (a file), PostgreSQL and Redis. */
export const storeKinds: StoreKind[] = [sqliteKind(), postgresKind(), redisKind()];
