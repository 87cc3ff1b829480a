import { createHash } from 'node:crypto';
import type * as Pg from 'pg';
import type { BaselineListing, BaselineObservation, BaselineStore, BaselineValue } from './baselines.ts';
import { LeaseLostError } from './errors.ts';
import type { Claim, RunFilter, RunHeader, RunJournal, RunStore, StepRecord } from './journal.ts';
import * as baselines from './postgres-baselines.ts';
import { SCHEMA_VERSION, newHeader, olderSchema } from './schema.ts';
import { scrubError } from './scrub-error.ts';
import { missingClient, type StoreLocation } from './store-url.ts';

/** Taken by every process creating the tables, so two starting at once do not race on the catalog. */
const MIGRATION_LOCK = '8247343549005787494'; // "runproof" as a 64-bit integer

/*
 * Runs and steps are keyed by the SHA-256 of their id and step key: ids of any length (a B-tree
 * entry holds about 2.7 KB) and any content (PostgreSQL text cannot hold U+0000) work. The ids
 * themselves live in the JSON, which escapes what text cannot hold. `seq` orders a run's steps
 * as they were written.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS runproof_runs (
    run_digest BYTEA PRIMARY KEY, status TEXT NOT NULL, updated_at BIGINT NOT NULL,
    lease_token TEXT, lease_until BIGINT, header TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS runproof_runs_by_status ON runproof_runs (status, updated_at);
  CREATE INDEX IF NOT EXISTS runproof_runs_by_time ON runproof_runs (updated_at);
  CREATE TABLE IF NOT EXISTS runproof_steps (
    run_digest BYTEA NOT NULL REFERENCES runproof_runs (run_digest) ON DELETE CASCADE,
    step_digest BYTEA NOT NULL, seq BIGSERIAL, record TEXT NOT NULL,
    PRIMARY KEY (run_digest, step_digest));
  INSERT INTO runproof_meta (key, value) VALUES ('schema_version', '${SCHEMA_VERSION}') ON CONFLICT (key) DO NOTHING`;

const READ_JOURNAL = `
  SELECT header, ARRAY(SELECT record FROM runproof_steps WHERE run_digest = $1 ORDER BY seq) AS steps
  FROM runproof_runs WHERE run_digest = $1`;

const WRITE_HEADER = `
  UPDATE runproof_runs SET status = $3, updated_at = $4, header = $5,
    lease_token = CASE WHEN $6::boolean THEN NULL ELSE lease_token END
  WHERE run_digest = $1 AND lease_token = $2`;

// One statement, so the step and its header are written together or not at all.
const WRITE_STEP = `
  WITH run AS (
    UPDATE runproof_runs SET status = $3, updated_at = $4, header = $5
    WHERE run_digest = $1 AND lease_token = $2 RETURNING run_digest)
  INSERT INTO runproof_steps (run_digest, step_digest, record) SELECT run_digest, $6, $7 FROM run
  ON CONFLICT (run_digest, step_digest) DO UPDATE SET record = EXCLUDED.record, seq = EXCLUDED.seq`;

/**
 * The PostgreSQL store, through `pg` (an optional peer dependency, loaded on first use). A pool of
 * up to 4 connections that never keeps the process alive, and gives up connecting after 2 s;
 * tables prefixed `runproof_`, created on first use. Claims lock the run's row, so any number of
 * processes can claim at once.
 *
 * @example
 * const store = new PostgresStore(parseStoreUrl('postgres://runproof:secret@db:5432/app'));
 */
export class PostgresStore implements RunStore, BaselineStore {
  readonly kind = 'postgres';
  readonly #location: StoreLocation;
  #pool: Pg.Pool | undefined;
  #ready: Promise<Pg.Pool> | undefined;
  #baselinesReady: Promise<void> | undefined;
  #closed = false;

  constructor(location: StoreLocation) {
    this.#location = location;
  }

  async claim(runId: string, name: string, token: string, leaseUntil: number, now: number): Promise<Claim> {
    const digest = digestOf(runId);
    const header = newHeader(runId, name, now);
    return this.#transaction(async (client) => {
      // A completed run removed between the insert and the select is gone: the next round inserts it.
      for (;;) {
        const inserted = await client.query(
          `INSERT INTO runproof_runs (run_digest, status, updated_at, lease_token, lease_until, header) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (run_digest) DO NOTHING`,
          [digest, header.status, now, token, leaseUntil, JSON.stringify(header)],
        );
        if (inserted.rowCount === 1) return { kind: 'claimed', journal: undefined };
        const { rows } = await client.query<{ status: string; lease_token: string | null; lease_until: string | null }>(
          `SELECT status, lease_token, lease_until FROM runproof_runs WHERE run_digest = $1 FOR UPDATE`,
          [digest],
        );
        const row = rows[0];
        if (row === undefined) continue;
        if (row.status === 'completed') return { kind: 'completed', journal: (await readJournal(client, digest))! };
        const until = Number(row.lease_until ?? 0);
        if (row.lease_token !== null && row.lease_token !== token && until > now)
          return { kind: 'busy', leaseUntil: until };
        await client.query(`UPDATE runproof_runs SET lease_token = $2, lease_until = $3 WHERE run_digest = $1`, [
          digest,
          token,
          leaseUntil,
        ]);
        return { kind: 'claimed', journal: await readJournal(client, digest) };
      }
    });
  }

  async writeHeader(header: RunHeader, token: string, options: { release?: boolean } = {}): Promise<void> {
    const result = await this.#query(WRITE_HEADER, [
      digestOf(header.id),
      token,
      header.status,
      header.updatedAt,
      JSON.stringify(header),
      options.release === true,
    ]);
    if (result.rowCount === 0) throw new LeaseLostError(header.id);
  }

  async writeStep(step: StepRecord, header: RunHeader, token: string): Promise<void> {
    const result = await this.#query(WRITE_STEP, [
      digestOf(header.id),
      token,
      header.status,
      header.updatedAt,
      JSON.stringify(header),
      digestOf(step.key),
      JSON.stringify(step),
    ]);
    if (result.rowCount === 0) throw new LeaseLostError(header.id);
  }

  async renew(runId: string, token: string, leaseUntil: number): Promise<void> {
    const result = await this.#query(
      `UPDATE runproof_runs SET lease_until = $3 WHERE run_digest = $1 AND lease_token = $2`,
      [digestOf(runId), token, leaseUntil],
    );
    if (result.rowCount === 0) throw new LeaseLostError(runId);
  }

  async read(runId: string): Promise<RunJournal | undefined> {
    return this.#use((pool) => readJournal(pool, digestOf(runId)));
  }

  async list(filter: RunFilter = {}): Promise<RunHeader[]> {
    const limit = filter.limit ?? 100;
    const { rows } =
      filter.status === undefined
        ? await this.#query<{ header: string }>(`SELECT header FROM runproof_runs ORDER BY updated_at DESC LIMIT $1`, [
            limit,
          ])
        : await this.#query<{ header: string }>(
            `SELECT header FROM runproof_runs WHERE status = $1 ORDER BY updated_at DESC LIMIT $2`,
            [filter.status, limit],
          );
    return rows.map((row) => JSON.parse(row.header) as RunHeader);
  }

  async removeCompleted(before: number): Promise<number> {
    // Their steps go with them (ON DELETE CASCADE).
    const result = await this.#query(`DELETE FROM runproof_runs WHERE status = 'completed' AND updated_at < $1`, [
      before,
    ]);
    return result.rowCount ?? 0;
  }

  async readBaselines(subjects: readonly string[]): Promise<BaselineValue[]> {
    await this.#baselines();
    return this.#use((pool) => baselines.readBaselines(pool, subjects));
  }

  async recordObservations(batch: readonly BaselineObservation[]): Promise<BaselineValue[]> {
    await this.#baselines();
    return this.#transaction((client) => baselines.recordObservations(client, batch));
  }

  async moveBaseline(subject: string, kind: string, from: string, to: string, at: number): Promise<boolean> {
    await this.#baselines();
    return this.#transaction((client) => baselines.moveBaseline(client, subject, kind, from, to, at));
  }

  async listBaselines(listing?: BaselineListing): Promise<BaselineValue[]> {
    await this.#baselines();
    return this.#use((pool) => baselines.listBaselines(pool, listing));
  }

  /** Creates the baselines table on the first baseline call (journal-only users never get one). */
  #baselines(): Promise<void> {
    this.#baselinesReady ??= this.#transaction((client) => baselines.migrateBaselines(client)).catch(
      (error: unknown) => {
        this.#baselinesReady = undefined;
        throw error;
      },
    );
    return this.#baselinesReady;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool?.end();
  }

  async #query<Row extends Pg.QueryResultRow>(text: string, values: unknown[]): Promise<Pg.QueryResult<Row>> {
    return this.#use((pool) => pool.query<Row>(text, values));
  }

  async #transaction<T>(work: (client: Pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#use(async (pool) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (error) {
        // A connection that cannot roll back is broken: the pool drops it instead of reusing it.
        const rolledBack = await client.query('ROLLBACK').then(
          () => true,
          () => false,
        );
        client.release(!rolledBack);
        throw error;
      }
    });
  }

  /** Runs `work` on the migrated pool; whatever fails, the error names no password. */
  async #use<T>(work: (pool: Pg.Pool) => Promise<T>): Promise<T> {
    try {
      this.#ready ??= this.#open().catch((error: unknown) => {
        this.#ready = undefined; // the next call tries again: the server may be back
        throw error;
      });
      return await work(await this.#ready);
    } catch (error) {
      throw scrubError(error, this.#location.secrets);
    }
  }

  async #open(): Promise<Pg.Pool> {
    if (this.#closed) throw new Error('the store was closed');
    if (this.#pool === undefined) {
      const pool = await this.#createPool();
      // Closed while `pg` was loading: close() found no pool to end.
      if (this.#closed) {
        await pool.end();
        throw new Error('the store was closed');
      }
      this.#pool = pool;
    }
    await this.#migrate(this.#pool);
    return this.#pool;
  }

  async #createPool(): Promise<Pg.Pool> {
    let pg: typeof Pg.default;
    try {
      pg = (await import('pg')).default;
    } catch (cause) {
      throw missingClient('PostgreSQL', 'pg', cause);
    }
    const pool = new pg.Pool({
      connectionString: this.#location.url,
      max: 4,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: 2_000,
      // A server that accepts and never answers (stopped, overloaded) fails a call instead of
      // holding the run, and the process, forever.
      query_timeout: 10_000,
      allowExitOnIdle: true,
      application_name: 'runproof',
    });
    // An idle connection the server ended (a restart, an administrator) is dropped by the pool and
    // the next query opens another; without a listener the event would crash the process.
    pool.on('error', () => {});
    return pool;
  }

  async #migrate(pool: Pg.Pool): Promise<void> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      await client.query(`CREATE TABLE IF NOT EXISTS runproof_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
      const { rows } = await client.query<{ value: string }>(
        `SELECT value FROM runproof_meta WHERE key = 'schema_version'`,
      );
      const found = Number(rows[0]?.value ?? SCHEMA_VERSION);
      if (found > SCHEMA_VERSION) throw olderSchema(found);
      await client.query(SCHEMA);
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      const rolledBack = await client.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      client.release(!rolledBack);
      throw error;
    }
  }
}

async function readJournal(client: Pg.Pool | Pg.PoolClient, digest: Buffer): Promise<RunJournal | undefined> {
  const { rows } = await client.query<{ header: string; steps: string[] }>(READ_JOURNAL, [digest]);
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    header: JSON.parse(row.header) as RunHeader,
    steps: row.steps.map((record) => JSON.parse(record) as StepRecord),
  };
}

function digestOf(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
