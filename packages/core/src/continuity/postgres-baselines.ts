import type * as Pg from 'pg';
import {
  BASELINES_SCHEMA_VERSION,
  checkBatch,
  DEFAULT_BASELINE_LISTING_LIMIT,
  newerBaselines,
  type BaselineListing,
  type BaselineObservation,
  type BaselineValue,
} from './baselines.ts';

type Client = Pg.Pool | Pg.PoolClient;

interface Row {
  subject: string;
  kind: string;
  value: string;
  first_seen: string;
  last_seen: string;
  count: string;
  baseline_since: string | null;
  context: string | null;
  detail: string | null;
}

/** Values with their subject's context. */
const SELECT = `SELECT b.*, s.context FROM runproof_baselines b LEFT JOIN runproof_baseline_subjects s ON s.subject = b.subject`;

/** Taken by every process creating the baselines table (the journal's migration takes its own). */
const MIGRATION_LOCK = '8247343549005787495';

/**
 * The baselines table of the PostgreSQL store (see `BaselineStore`), beside the journal's, under
 * its own version. Writes to a subject take a transaction-scoped advisory lock on it, in subject
 * order, so two processes recording a subject's first values, or moving its baseline, at once
 * cannot both decide.
 */
export async function migrateBaselines(client: Pg.PoolClient): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
  await client.query(`CREATE TABLE IF NOT EXISTS runproof_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
  await client.query(`
    CREATE TABLE IF NOT EXISTS runproof_baselines (
      subject TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
      first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL, count BIGINT NOT NULL,
      baseline_since BIGINT, detail TEXT,
      PRIMARY KEY (subject, kind, value));
    CREATE INDEX IF NOT EXISTS runproof_baselines_by_time ON runproof_baselines (last_seen);
    CREATE TABLE IF NOT EXISTS runproof_baseline_subjects (subject TEXT PRIMARY KEY, context TEXT NOT NULL);
    INSERT INTO runproof_meta (key, value) VALUES ('baselines_schema_version', '${BASELINES_SCHEMA_VERSION}') ON CONFLICT (key) DO NOTHING`);
  const { rows } = await client.query<{ value: string }>(
    `SELECT value FROM runproof_meta WHERE key = 'baselines_schema_version'`,
  );
  const found = Number(rows[0]?.value ?? BASELINES_SCHEMA_VERSION);
  if (found > BASELINES_SCHEMA_VERSION) throw newerBaselines(found);
}

export async function readBaselines(client: Client, subjects: readonly string[]): Promise<BaselineValue[]> {
  const { rows } = await client.query<Row>(`${SELECT} WHERE b.subject = ANY($1::text[])`, [subjects]);
  return rows.map(valueOf);
}

/** Call inside a transaction. */
export async function recordObservations(
  client: Pg.PoolClient,
  batch: readonly BaselineObservation[],
): Promise<BaselineValue[]> {
  checkBatch(batch);
  if (batch.length === 0) return [];
  const subjects = [...new Set(batch.map((observation) => observation.subject))];
  await lockSubjects(client, subjects);
  const column = <Key extends keyof BaselineObservation>(key: Key) =>
    batch.map((observation) => observation[key] ?? null);
  await client.query(
    `INSERT INTO runproof_baselines (subject, kind, value, first_seen, last_seen, count, detail)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[])
     ON CONFLICT (subject, kind, value) DO UPDATE SET
       first_seen = LEAST(runproof_baselines.first_seen, EXCLUDED.first_seen),
       last_seen = GREATEST(runproof_baselines.last_seen, EXCLUDED.last_seen),
       count = runproof_baselines.count + EXCLUDED.count,
       detail = COALESCE(runproof_baselines.detail, EXCLUDED.detail)`,
    [
      column('subject'),
      column('kind'),
      column('value'),
      column('firstSeen'),
      column('lastSeen'),
      column('count'),
      column('detail'),
    ],
  );
  const described = batch.filter((observation) => observation.context !== undefined);
  if (described.length > 0) {
    // The first context given for each subject in the batch; a subject described before keeps its own.
    await client.query(
      `INSERT INTO runproof_baseline_subjects (subject, context)
       SELECT DISTINCT ON (subject) subject, context FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS given(subject, context, position) ORDER BY subject, position
       ON CONFLICT (subject) DO NOTHING`,
      [described.map((observation) => observation.subject), described.map((observation) => observation.context)],
    );
  }
  // A subject and kind without a baseline takes its earliest value, as of that value's first sighting.
  await client.query(
    `UPDATE runproof_baselines b SET baseline_since = b.first_seen
     FROM (
       SELECT DISTINCT ON (subject, kind) subject, kind, value FROM runproof_baselines
       WHERE subject = ANY($1::text[]) ORDER BY subject, kind, first_seen, value
     ) earliest
     WHERE b.subject = earliest.subject AND b.kind = earliest.kind AND b.value = earliest.value
       AND NOT EXISTS (SELECT 1 FROM runproof_baselines o WHERE o.subject = b.subject AND o.kind = b.kind AND o.baseline_since IS NOT NULL)`,
    [subjects],
  );
  return readBaselines(client, subjects);
}

/** Call inside a transaction. */
export async function moveBaseline(
  client: Pg.PoolClient,
  subject: string,
  kind: string,
  from: string,
  to: string,
  at: number,
): Promise<boolean> {
  if (from === to) return false;
  await lockSubjects(client, [subject]);
  const target = await client.query(
    `SELECT 1 FROM runproof_baselines WHERE subject = $1 AND kind = $2 AND value = $3`,
    [subject, kind, to],
  );
  if (target.rowCount === 0) return false;
  const released = await client.query(
    `UPDATE runproof_baselines SET baseline_since = NULL WHERE subject = $1 AND kind = $2 AND value = $3 AND baseline_since IS NOT NULL`,
    [subject, kind, from],
  );
  if (released.rowCount === 0) return false;
  await client.query(
    `UPDATE runproof_baselines SET baseline_since = $4 WHERE subject = $1 AND kind = $2 AND value = $3`,
    [subject, kind, to, at],
  );
  return true;
}

export async function listBaselines(client: Client, listing: BaselineListing = {}): Promise<BaselineValue[]> {
  const { rows } = await client.query<Row>(
    `SELECT b.*, s.context FROM runproof_baselines b LEFT JOIN runproof_baseline_subjects s ON s.subject = b.subject JOIN (
       SELECT subject, max(last_seen) AS seen FROM runproof_baselines GROUP BY subject HAVING max(last_seen) >= $1 ORDER BY seen DESC LIMIT $2
     ) recent ON recent.subject = b.subject
     ORDER BY recent.seen DESC, b.subject, b.kind, b.first_seen`,
    [listing.since ?? 0, listing.limit ?? DEFAULT_BASELINE_LISTING_LIMIT],
  );
  return rows.map(valueOf);
}

async function lockSubjects(client: Pg.PoolClient, subjects: readonly string[]): Promise<void> {
  // In one order everywhere (a function scan of unnest emits the sorted array in order), so two
  // batches sharing subjects cannot deadlock.
  await client.query(`SELECT pg_advisory_xact_lock(hashtextextended(subject, 0)) FROM unnest($1::text[]) AS subject`, [
    [...subjects].sort(),
  ]);
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
