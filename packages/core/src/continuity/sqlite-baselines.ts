import type * as NodeSqlite from 'node:sqlite';
import {
  BASELINES_SCHEMA_VERSION,
  checkBatch,
  DEFAULT_BASELINE_LISTING_LIMIT,
  newerBaselines,
  type BaselineListing,
  type BaselineObservation,
  type BaselineValue,
} from './baselines.ts';

type Database = NodeSqlite.DatabaseSync;

interface Row {
  subject: string;
  kind: string;
  value: string;
  first_seen: number;
  last_seen: number;
  count: number;
  baseline_since: number | null;
  context: string | null;
  detail: string | null;
}

/** Values with their subject's context. */
const SELECT = `SELECT b.*, s.context FROM runproof_baselines b LEFT JOIN runproof_baseline_subjects s ON s.subject = b.subject`;

/**
 * The baselines tables of the SQLite store (see `BaselineStore`): created on first use, beside the
 * journal's tables, under their own version. `baseline_since` is set on the one value of a subject
 * and kind that is its baseline; a subject's context is kept once, in `runproof_baseline_subjects`.
 */
export function migrateBaselines(database: Database): void {
  database.exec(`
    CREATE TABLE IF NOT EXISTS runproof_baselines (
      subject TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
      first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, count INTEGER NOT NULL,
      baseline_since INTEGER, detail TEXT,
      PRIMARY KEY (subject, kind, value));
    CREATE INDEX IF NOT EXISTS runproof_baselines_by_time ON runproof_baselines (last_seen);
    CREATE TABLE IF NOT EXISTS runproof_baseline_subjects (subject TEXT PRIMARY KEY, context TEXT NOT NULL);
    INSERT OR IGNORE INTO runproof_meta (key, value) VALUES ('baselines_schema_version', '${BASELINES_SCHEMA_VERSION}');`);
  const row = database.prepare(`SELECT value FROM runproof_meta WHERE key = 'baselines_schema_version'`).get() as {
    value: string;
  };
  if (Number(row.value) > BASELINES_SCHEMA_VERSION) throw newerBaselines(Number(row.value));
}

export function readBaselines(database: Database, subjects: readonly string[]): BaselineValue[] {
  const select = database.prepare(`${SELECT} WHERE b.subject = ?`);
  return subjects.flatMap((subject) => (select.all(subject) as unknown as Row[]).map(valueOf));
}

/** Call inside a write transaction. */
export function recordObservations(database: Database, batch: readonly BaselineObservation[]): BaselineValue[] {
  checkBatch(batch);
  const upsert = database.prepare(`
    INSERT INTO runproof_baselines (subject, kind, value, first_seen, last_seen, count, detail) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (subject, kind, value) DO UPDATE SET
      first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen),
      count = count + excluded.count, detail = coalesce(detail, excluded.detail)`);
  const describe = database.prepare(
    `INSERT OR IGNORE INTO runproof_baseline_subjects (subject, context) VALUES (?, ?)`,
  );
  // A subject and kind without a baseline takes its earliest value, as of that value's first sighting.
  // Plain `?` parameters, each bound: Node 22's node:sqlite cannot bind a list to numbered ones (`?1`).
  const settle = database.prepare(`
    UPDATE runproof_baselines SET baseline_since = first_seen
    WHERE subject = ? AND kind = ?
      AND value = (SELECT value FROM runproof_baselines WHERE subject = ? AND kind = ? ORDER BY first_seen, value LIMIT 1)
      AND NOT EXISTS (SELECT 1 FROM runproof_baselines WHERE subject = ? AND kind = ? AND baseline_since IS NOT NULL)`);
  const pairs = new Map<string, [string, string]>();
  for (const observation of batch) {
    upsert.run(
      observation.subject,
      observation.kind,
      observation.value,
      observation.firstSeen,
      observation.lastSeen,
      observation.count,
      observation.detail ?? null,
    );
    if (observation.context !== undefined) describe.run(observation.subject, observation.context);
    pairs.set(`${observation.subject}\n${observation.kind}`, [observation.subject, observation.kind]);
  }
  for (const [subject, kind] of pairs.values()) settle.run(subject, kind, subject, kind, subject, kind);
  return readBaselines(database, [...new Set(batch.map((observation) => observation.subject))]);
}

/** Call inside a write transaction. */
export function moveBaseline(
  database: Database,
  subject: string,
  kind: string,
  from: string,
  to: string,
  at: number,
): boolean {
  if (from === to) return false;
  const target = database
    .prepare(`SELECT 1 FROM runproof_baselines WHERE subject = ? AND kind = ? AND value = ?`)
    .get(subject, kind, to);
  if (target === undefined) return false;
  const released = database
    .prepare(
      `UPDATE runproof_baselines SET baseline_since = NULL WHERE subject = ? AND kind = ? AND value = ? AND baseline_since IS NOT NULL`,
    )
    .run(subject, kind, from);
  if (released.changes === 0) return false;
  database
    .prepare(`UPDATE runproof_baselines SET baseline_since = ? WHERE subject = ? AND kind = ? AND value = ?`)
    .run(at, subject, kind, to);
  return true;
}

export function listBaselines(database: Database, listing: BaselineListing = {}): BaselineValue[] {
  const rows = database
    .prepare(
      `SELECT b.*, s.context FROM runproof_baselines b LEFT JOIN runproof_baseline_subjects s ON s.subject = b.subject JOIN (
         SELECT subject, max(last_seen) AS seen FROM runproof_baselines GROUP BY subject HAVING max(last_seen) >= ? ORDER BY seen DESC LIMIT ?
       ) recent ON recent.subject = b.subject
       ORDER BY recent.seen DESC, b.subject, b.kind, b.first_seen`,
    )
    .all(listing.since ?? 0, listing.limit ?? DEFAULT_BASELINE_LISTING_LIMIT) as unknown as Row[];
  return rows.map(valueOf);
}

function valueOf(row: Row): BaselineValue {
  const value: BaselineValue = {
    subject: row.subject,
    kind: row.kind,
    value: row.value,
    firstSeen: Number(row.first_seen),
    lastSeen: Number(row.last_seen),
    count: Number(row.count),
  };
  if (row.baseline_since !== null) value.baselineSince = Number(row.baseline_since);
  if (row.context !== null) value.context = row.context;
  if (row.detail !== null) value.detail = row.detail;
  return value;
}
