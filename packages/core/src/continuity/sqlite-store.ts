import { createRequire } from 'node:module';
import type * as NodeSqlite from 'node:sqlite';
import {
  BaselineStoreBusyError,
  type BaselineListing,
  type BaselineObservation,
  type BaselineStore,
  type BaselineValue,
} from './baselines.ts';
import { LeaseLostError } from './errors.ts';
import type { Claim, RunFilter, RunHeader, RunJournal, RunStore, StepRecord } from './journal.ts';
import * as baselines from './sqlite-baselines.ts';
import { SCHEMA_VERSION, newHeader, olderSchema } from './schema.ts';

type Database = NodeSqlite.DatabaseSync;

/** How long a journal call waits for another process's write lock. */
const BUSY_TIMEOUT_MILLIS = 5_000;
/** SQLite's primary result code for a file locked by another connection (`SQLITE_BUSY`). */
const SQLITE_BUSY = 5;

/**
 * The embedded store: one SQLite file through `node:sqlite`, shared safely by the processes of one
 * machine (WAL, and claims in `BEGIN IMMEDIATE` transactions). Its calls are synchronous and short;
 * a busy file waits up to 5 s for a journal call, not at all for a drift baseline call (which is
 * then `BaselineStoreBusyError`, written with the next batch).
 */
export class SqliteStore implements RunStore, BaselineStore {
  readonly kind = 'sqlite';
  readonly #database: Database;
  #baselinesReady = false;

  constructor(path: string) {
    // Loaded here, not at import: `node:sqlite` prints an experimental warning on Node 22 that apps
    // without a SQLite store should not see.
    const { DatabaseSync } = createRequire(import.meta.url)('node:sqlite') as typeof NodeSqlite;
    this.#database = new DatabaseSync(path);
    this.#database.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MILLIS}`);
    // WAL with synchronous=NORMAL: a commit survives the process being killed (the journal's job);
    // only a power loss can take the last commits back. FULL would sync the disk on every step.
    if (path !== ':memory:') this.#database.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL');
    this.#migrate();
  }

  #migrate(): void {
    const database = this.#database;
    database.exec(`CREATE TABLE IF NOT EXISTS runproof_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    const row = database.prepare(`SELECT value FROM runproof_meta WHERE key = 'schema_version'`).get() as
      { value: string } | undefined;
    if (row !== undefined && Number(row.value) > SCHEMA_VERSION) throw olderSchema(Number(row.value));
    database.exec(`
      CREATE TABLE IF NOT EXISTS runproof_runs (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, updated_at INTEGER NOT NULL,
        lease_token TEXT, lease_until INTEGER, header TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS runproof_runs_by_status ON runproof_runs (status, updated_at);
      CREATE TABLE IF NOT EXISTS runproof_steps (
        run_id TEXT NOT NULL, key TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (run_id, key));
      INSERT OR IGNORE INTO runproof_meta (key, value) VALUES ('schema_version', '${SCHEMA_VERSION}');`);
  }

  async claim(runId: string, name: string, token: string, leaseUntil: number, now: number): Promise<Claim> {
    return this.#transaction(() => {
      const row = this.#database
        .prepare(`SELECT status, lease_token, lease_until FROM runproof_runs WHERE id = ?`)
        .get(runId) as { status: string; lease_token: string | null; lease_until: number | null } | undefined;
      if (row === undefined) {
        const header = newHeader(runId, name, now);
        this.#database
          .prepare(
            `INSERT INTO runproof_runs (id, name, status, updated_at, lease_token, lease_until, header) VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(runId, name, header.status, now, token, leaseUntil, JSON.stringify(header));
        return { kind: 'claimed', journal: undefined };
      }
      if (row.status === 'completed') return { kind: 'completed', journal: this.#readJournal(runId)! };
      if (row.lease_token !== null && row.lease_token !== token && (row.lease_until ?? 0) > now)
        return { kind: 'busy', leaseUntil: row.lease_until! };
      this.#database
        .prepare(`UPDATE runproof_runs SET lease_token = ?, lease_until = ? WHERE id = ?`)
        .run(token, leaseUntil, runId);
      return { kind: 'claimed', journal: this.#readJournal(runId) };
    });
  }

  async writeHeader(header: RunHeader, token: string, options: { release?: boolean } = {}): Promise<void> {
    this.#transaction(() => this.#updateHeader(header, token, options.release === true));
  }

  async writeStep(step: StepRecord, header: RunHeader, token: string): Promise<void> {
    this.#transaction(() => {
      this.#updateHeader(header, token, false);
      this.#database
        .prepare(`INSERT OR REPLACE INTO runproof_steps (run_id, key, record) VALUES (?, ?, ?)`)
        .run(header.id, step.key, JSON.stringify(step));
    });
  }

  async renew(runId: string, token: string, leaseUntil: number): Promise<void> {
    const result = this.#database
      .prepare(`UPDATE runproof_runs SET lease_until = ? WHERE id = ? AND lease_token = ?`)
      .run(leaseUntil, runId, token);
    if (result.changes === 0) throw new LeaseLostError(runId);
  }

  async read(runId: string): Promise<RunJournal | undefined> {
    return this.#readJournal(runId);
  }

  async list(filter: RunFilter = {}): Promise<RunHeader[]> {
    const limit = filter.limit ?? 100;
    const rows = (
      filter.status === undefined
        ? this.#database.prepare(`SELECT header FROM runproof_runs ORDER BY updated_at DESC LIMIT ?`).all(limit)
        : this.#database
            .prepare(`SELECT header FROM runproof_runs WHERE status = ? ORDER BY updated_at DESC LIMIT ?`)
            .all(filter.status, limit)
    ) as { header: string }[];
    return rows.map((row) => JSON.parse(row.header) as RunHeader);
  }

  async removeCompleted(before: number): Promise<number> {
    return this.#transaction(() => {
      this.#database
        .prepare(
          `DELETE FROM runproof_steps WHERE run_id IN (SELECT id FROM runproof_runs WHERE status = 'completed' AND updated_at < ?)`,
        )
        .run(before);
      return Number(
        this.#database.prepare(`DELETE FROM runproof_runs WHERE status = 'completed' AND updated_at < ?`).run(before)
          .changes,
      );
    });
  }

  async close(): Promise<void> {
    if (this.#database.isOpen) this.#database.close();
  }

  async readBaselines(subjects: readonly string[]): Promise<BaselineValue[]> {
    return this.#withoutWaiting(() => baselines.readBaselines(this.#baselines(), subjects));
  }

  async recordObservations(batch: readonly BaselineObservation[]): Promise<BaselineValue[]> {
    return this.#withoutWaiting(() => {
      const database = this.#baselines();
      return this.#transaction(() => baselines.recordObservations(database, batch));
    });
  }

  async moveBaseline(subject: string, kind: string, from: string, to: string, at: number): Promise<boolean> {
    return this.#withoutWaiting(() => {
      const database = this.#baselines();
      return this.#transaction(() => baselines.moveBaseline(database, subject, kind, from, to, at));
    });
  }

  async listBaselines(listing?: BaselineListing): Promise<BaselineValue[]> {
    return this.#withoutWaiting(() => baselines.listBaselines(this.#baselines(), listing));
  }

  /**
   * Runs a baseline call without waiting for another process's lock: `node:sqlite` is synchronous,
   * so a wait would stop the whole event loop — every call the app is serving — for up to the busy
   * timeout. A locked file is `BaselineStoreBusyError` at once; the batch is written next time.
   */
  #withoutWaiting<T>(work: () => T): T {
    this.#database.exec('PRAGMA busy_timeout = 0');
    try {
      return work();
    } catch (error) {
      const code = (error as { errcode?: unknown }).errcode;
      // The primary code: SQLITE_BUSY_RECOVERY, _SNAPSHOT… are busy too.
      if (typeof code === 'number' && (code & 0xff) === SQLITE_BUSY) throw new BaselineStoreBusyError(this.kind, error);
      throw error;
    } finally {
      if (this.#database.isOpen) this.#database.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MILLIS}`);
    }
  }

  /** The database, its baselines table created on the first baseline call (journal-only users never get one). */
  #baselines(): Database {
    if (!this.#baselinesReady) {
      this.#transaction(() => baselines.migrateBaselines(this.#database));
      this.#baselinesReady = true;
    }
    return this.#database;
  }

  #updateHeader(header: RunHeader, token: string, release: boolean): void {
    const result = this.#database
      .prepare(
        `UPDATE runproof_runs SET name = ?, status = ?, updated_at = ?, header = ?,
           lease_token = CASE WHEN ? THEN NULL ELSE lease_token END
         WHERE id = ? AND lease_token = ?`,
      )
      .run(header.name, header.status, header.updatedAt, JSON.stringify(header), release ? 1 : 0, header.id, token);
    if (result.changes === 0) throw new LeaseLostError(header.id);
  }

  #readJournal(runId: string): RunJournal | undefined {
    const row = this.#database.prepare(`SELECT header FROM runproof_runs WHERE id = ?`).get(runId) as
      { header: string } | undefined;
    if (row === undefined) return undefined;
    const steps = this.#database
      .prepare(`SELECT record FROM runproof_steps WHERE run_id = ? ORDER BY rowid`)
      .all(runId) as { record: string }[];
    return {
      header: JSON.parse(row.header) as RunHeader,
      steps: steps.map((step) => JSON.parse(step.record) as StepRecord),
    };
  }

  #transaction<T>(work: () => T): T {
    this.#database.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#database.exec('COMMIT');
      return result;
    } catch (error) {
      this.#database.exec('ROLLBACK');
      throw error;
    }
  }
}
