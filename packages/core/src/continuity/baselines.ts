import { ConfigError, RunproofError } from '../errors.ts';

/**
 * A value one process saw for a subject and kind since its last batch: what
 * {@link BaselineStore.recordObservations} adds to the store.
 */
export interface BaselineObservation {
  /**
   * What is compared: a call fingerprint (`ATTR_RUNPROOF_CALL_FINGERPRINT`), or the digest that names
   * a checkpoint's or a step's input. Text without U+0000.
   */
  subject: string;
  /** An `ATTR_RUNPROOF_DRIFT_KIND` value: `resolved_model`, `system_fingerprint`, `output_shape`, `input_shape` (lowercase letters, digits, `_`). */
  kind: string;
  /** What was seen: a model name, a fingerprint, a shape digest. At most 1024 characters, no U+0000. */
  value: string;
  /** How many times it was seen in this batch (at least 1). */
  count: number;
  /** Epoch milliseconds of its first and last sighting in this batch. */
  firstSeen: number;
  lastSeen: number;
  /** What the subject is, as JSON (workflow, step, provider, requested model…): the subject's, kept from the first writer that had one. */
  context?: string | undefined;
  /** The value's structure when it is a shape digest, as JSON: kept from the first writer that had one. */
  detail?: string | undefined;
}

/** What the store holds for one value of a subject and kind. */
export interface BaselineValue {
  subject: string;
  kind: string;
  value: string;
  /** Epoch milliseconds, over every process that reported it. */
  firstSeen: number;
  lastSeen: number;
  count: number;
  /**
   * Epoch milliseconds since when this value is the baseline of its subject and kind; absent for
   * every other value. The first value recorded is the baseline from its first sighting.
   */
  baselineSince?: number;
  /** The subject's context (the same on each of its values). */
  context?: string;
  detail?: string;
}

/** What {@link BaselineStore.listBaselines} selects. */
export interface BaselineListing {
  /** Only subjects with a value seen at or after this time (epoch ms). Default: all. */
  since?: number;
  /** At most this many subjects, the most recently seen first. Default: 10 000. */
  limit?: number;
}

/**
 * Fleet-wide drift baselines, kept in the run store beside the journals (the same URL, the same
 * three stores): per subject (a call fingerprint, a checkpoint's or step's input) and kind, every
 * value seen with its first and last sighting and count, one of them marked as the baseline.
 * Processes read it through a bounded cache and write it in batches, never on a call's path
 * (see `drift/shared-baselines.ts`). The layout is versioned apart from the journal's
 * ({@link BASELINES_SCHEMA_VERSION}) and created on first use.
 */
export interface BaselineStore {
  /** Every value the store holds for these subjects, of every kind. */
  readBaselines(subjects: readonly string[]): Promise<BaselineValue[]>;
  /**
   * Adds a batch in one atomic write: counts are added, first and last sightings widened, context
   * and detail kept from the first writer that had them. A subject and kind without a baseline
   * gets the earliest value recorded by then as its baseline (writers racing on a new subject get
   * one, whichever wrote first). Observations must be unique by subject, kind and value; a batch
   * that breaks {@link checkBatch} is refused whole. Returns every value of the batch's subjects as
   * the store now holds them.
   */
  recordObservations(batch: readonly BaselineObservation[]): Promise<BaselineValue[]>;
  /**
   * Makes `to` (a value already recorded) the baseline of a subject and kind, as of `at`, if `from`
   * still is: a compare-and-set, so processes that decide the same move at once move it once.
   * Returns whether it moved (never when `from` and `to` are the same).
   */
  moveBaseline(subject: string, kind: string, from: string, to: string, at: number): Promise<boolean>;
  /** The values of the most recently seen subjects: what a process loads at start, and `runproof inventory --store` lists. */
  listBaselines(listing?: BaselineListing): Promise<BaselineValue[]>;
}

/**
 * The version of the baselines' layout (the `runproof_baselines` table, the `runproof:baseline:*`
 * keys). Recorded in the store as `baselines_schema_version`, apart from the journal's
 * `schema_version`: the baselines were added to stores that already held journals, and an older
 * Runproof, which knows nothing of them, must go on reading its journals in a store that has them.
 * So adding them changed nothing the journal's version guards; a later change to the baselines'
 * own layout bumps this one, and a store whose baselines are newer than this Runproof reads is
 * refused for drift only (drift is then judged per process), never for durable runs.
 */
export const BASELINES_SCHEMA_VERSION = 1;

/** Most values a listing returns when not told: subjects, each with its few values. */
export const DEFAULT_BASELINE_LISTING_LIMIT = 10_000;

const KIND = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_SUBJECT = 512;
const MAX_VALUE = 1024;

/**
 * Throws a `TypeError` naming what is wrong with a batch a store cannot keep as given: an empty
 * batch is fine; a kind outside `[a-z][a-z0-9_]*`, a subject over 512 or a value over 1024
 * characters, U+0000 anywhere (PostgreSQL text cannot hold it), a count below 1, a duplicate.
 */
export function checkBatch(batch: readonly BaselineObservation[]): void {
  const seen = new Set<string>();
  for (const observation of batch) {
    const { subject, kind, value } = observation;
    const problem = !KIND.test(kind)
      ? `kind ${JSON.stringify(kind)} is not a drift kind`
      : subject.length > MAX_SUBJECT || value.length > MAX_VALUE
        ? `subject or value too long (at most ${MAX_SUBJECT} and ${MAX_VALUE} characters)`
        : [subject, value, observation.context ?? '', observation.detail ?? ''].some((text) => text.includes('\u0000'))
          ? 'U+0000 in a subject, value, context or detail'
          : !(
                Number.isSafeInteger(observation.count) &&
                observation.count >= 1 &&
                Number.isSafeInteger(observation.firstSeen) &&
                Number.isSafeInteger(observation.lastSeen)
              )
            ? 'count, firstSeen and lastSeen must be whole numbers, count at least 1'
            : seen.has(`${subject}\n${kind}\n${value}`)
              ? 'the same subject, kind and value twice in one batch'
              : undefined;
    if (problem !== undefined) throw new TypeError(`baseline observation: ${problem}`);
    seen.add(`${subject}\n${kind}\n${value}`);
  }
}

/**
 * A baseline call the store could not serve without waiting for another process (the SQLite
 * file's write lock): nothing is wrong, the caller tries again at its next batch. Baseline calls
 * run off every call's path but on the event loop, and a SQLite call waiting for a lock would stop
 * the whole process. Code: `RUNPROOF_STORE_BUSY`.
 */
export class BaselineStoreBusyError extends RunproofError {
  constructor(store: string, cause: unknown) {
    super('RUNPROOF_STORE_BUSY', `the ${store} store is busy (another process holds its lock)`, { cause });
    this.name = 'BaselineStoreBusyError';
  }

  static override isInstance(value: unknown): value is BaselineStoreBusyError {
    return RunproofError.isInstance(value) && value.code === 'RUNPROOF_STORE_BUSY';
  }
}

/** Whether a run store also keeps baselines (the three built in do; a custom `RunStore` may not). */
export function isBaselineStore(store: object): store is BaselineStore {
  const candidate = store as Partial<BaselineStore>;
  return (
    typeof candidate.readBaselines === 'function' &&
    typeof candidate.recordObservations === 'function' &&
    typeof candidate.moveBaseline === 'function' &&
    typeof candidate.listBaselines === 'function'
  );
}

/** The error for a store whose baselines are newer than this version of Runproof reads. */
export function newerBaselines(found: number): ConfigError {
  return new ConfigError('store', [
    {
      code: 'store_schema_too_new',
      path: ['store'],
      message: `the store holds drift baselines of schema version ${found}; this version of Runproof reads up to ${BASELINES_SCHEMA_VERSION}: upgrade @runproof/core`,
    },
  ]);
}
