import {
  BaselineStoreBusyError,
  isBaselineStore,
  type BaselineObservation,
  type BaselineStore,
  type BaselineValue,
} from '../continuity/baselines.ts';
import type { Durability } from '../continuity/durability.ts';
import { warnLoudly, warnOnce } from '../safely.ts';
import { BASELINE_RULE, nextBaseline, type BaselineRule } from './baseline-rule.ts';
import { isFull, kindsOf, MAX_VALUES, warnTooManyValues, type KindState } from './baseline-values.ts';

/**
 * Subjects kept in the cache; past this, the one least recently used is forgotten (roughly: a
 * subject used at least once every {@link MAX_SUBJECTS}/2 new subjects is never forgotten).
 */
export const MAX_SUBJECTS = 2_048;
/** Observations waiting for the next batch; past this, new ones are dropped until it is written. */
const MAX_PENDING = 4_096;
/** Observations per store call. */
const BATCH = 500;
/** How often observations are written (and the cache refreshed by the store's answer). */
export const FLUSH_MILLIS = 1_000;
/** How long a store that failed is left alone. */
const RETRY_MILLIS = 5_000;
/** A batch a busy store refused is tried again this often, this many times, then at the next flush. */
const BUSY_RETRY_MILLIS = 50;
const BUSY_RETRIES = 20;

/** The store's baseline a value differs from, to report against. */
export interface StoreBaseline {
  value: string;
  firstSeen: number;
  detail?: string;
}

interface Subject {
  /** Its place in the cache's order of use: moved to the newest end when used after half the cache was renewed. */
  stamp: number;
  /** Whether the store's answer for it has arrived (or it is known to be new to the store). */
  loaded: boolean;
  kinds: Map<string, KindState>;
  context: string | undefined;
  /** The values of each kind reported as drift by this process: at most {@link MAX_VALUES} a kind. */
  reported: Map<string, Set<string>>;
  /** The observation of each kind waiting for the next batch, for the last value seen: the common case skips building a key. */
  last: Map<string, LastSighting>;
}

/** A kind's last value as a subject saw it: its observation waiting for the next batch, and what it was judged. */
interface LastSighting {
  observation: BaselineObservation;
  /**
   * What {@link SharedBaselines.compare} said of this value, kept until the store's answer replaces
   * the subject's values (`#apply`): nothing else it depends on changes until then, so the next
   * sightings of the value are judged by a lookup and a comparison.
   */
  verdict: 'same' | 'unknown' | undefined;
}

/** What a comparison with the store's baseline says: report against this baseline, nothing to report, or judge per process. */
export type Verdict = StoreBaseline | 'same' | 'unknown';

/**
 * The fleet's baselines as one process sees them: a bounded cache read synchronously by calls,
 * filled at start with the 2 048 subjects the store saw most recently, then per new subject, and
 * refreshed by the store's answer to each batch of observations, written every second by an
 * unref'd timer (and at shutdown). A store that fails is warned about once and left alone for 5 s;
 * until it answers, subjects it has not answered for are judged per process. After each batch,
 * a value that has settled under the baseline rule becomes the baseline (compare-and-set).
 */
export class SharedBaselines {
  readonly durability: Durability;
  readonly #rule: BaselineRule;
  readonly #subjects = new Map<string, Subject>();
  readonly #pending = new Map<string, BaselineObservation>();
  readonly #toLoad = new Set<string>();
  #preloaded: Promise<void> | undefined;
  #preloadDone = false;
  #timer: NodeJS.Timeout | undefined;
  #loadScheduled = false;
  #flushing: Promise<void> | undefined;
  #downUntil = 0;
  #lastName: string | undefined;
  #lastSubject: Subject | undefined;
  /** Counts subjects added to the cache or moved to its newest end. */
  #stamp = 0;

  constructor(durability: Durability, rule: BaselineRule = BASELINE_RULE) {
    this.durability = durability;
    this.#rule = rule;
  }

  /** Starts loading the recently seen subjects (once); resolves when they are in, or the store failed. */
  preload(): Promise<void> {
    this.#preloaded ??= this.#run('loading drift baselines', async (store) => {
      // The most recently seen subjects, however long ago (bounded by a time instead, a subject last
      // seen before it — a monthly job — went unread until its first call was judged). Any other
      // subject is read when first met: another process may have recorded it since.
      const values = await store.listBaselines({ limit: MAX_SUBJECTS });
      this.#apply(values, new Set(values.map((value) => value.subject)), true);
    })
      .then(() => undefined)
      .finally(() => {
        this.#preloadDone = true;
        // Subjects met while it ran and not in it: read one by one.
        for (const [name, subject] of this.#subjects) if (!subject.loaded) this.#request(name);
      });
    return this.#preloaded;
  }

  /** Makes a subject known (a call about to be made), with what it is; starts reading it if needed. Synchronous. */
  note(name: string, context: () => string): void {
    const subject = this.#subject(name);
    subject.context ??= context();
  }

  /**
   * Records that `value` was seen and compares it with the store's baseline. Synchronous: reads the
   * cache only. A value reported once by this process is not reported again.
   */
  compare(name: string, kind: string, value: string, now: number, detail?: () => string | undefined): Verdict {
    const subject = this.#subject(name);
    const last = subject.last.get(kind);
    if (
      last?.verdict !== undefined &&
      last.observation.value === value &&
      this.#downUntil !== Number.POSITIVE_INFINITY
    ) {
      this.#count(last.observation, now);
      return last.verdict;
    }
    const state = subject.kinds.get(kind);
    const known = state?.values.get(value);
    if (known === undefined && state !== undefined && isFull(state, now)) {
      // Neither kept nor reported: so many values are data (an input keyed by ids), not conditions.
      warnTooManyValues(kind);
      return 'same';
    }
    const sighting = this.#observe(name, subject, kind, value, now, known === undefined ? detail : undefined);
    let verdict: 'same' | 'unknown';
    if (!subject.loaded || state?.baseline === undefined) verdict = 'unknown';
    else if (state.baseline.value === value || subject.reported.get(kind)?.has(value) === true) verdict = 'same';
    else if (!this.firstReport(name, kind, value)) return 'same';
    else {
      const { value: baseline, firstSeen } = state.baseline;
      return state.baseline.detail === undefined
        ? { value: baseline, firstSeen }
        : { value: baseline, firstSeen, detail: state.baseline.detail };
    }
    if (sighting !== undefined) sighting.verdict = verdict;
    return verdict;
  }

  /**
   * True the first time this process reports `value` for the subject and kind — and for no more
   * than {@link MAX_VALUES} values of it: past them (judged per process, with the store down or
   * keeping no baselines) they are data, not conditions, and remembering each would grow forever.
   */
  firstReport(name: string, kind: string, value: string): boolean {
    const { reported } = this.#subject(name);
    let values = reported.get(kind);
    if (values === undefined) reported.set(kind, (values = new Set()));
    if (values.has(value)) return false;
    if (values.size >= MAX_VALUES) {
      warnTooManyValues(kind);
      return false;
    }
    values.add(value);
    return true;
  }

  /**
   * Stops using the store, silently: what is pending is dropped, nothing more is read or written.
   * For a store replaced (a later `start({ store })`, which closes it) or closed.
   */
  stop(): void {
    this.#downUntil = Number.POSITIVE_INFINITY;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
    this.#toLoad.clear();
  }

  /** Writes what is pending now (the shutdown's call); nothing when the store is known to be down. */
  flush(): Promise<void> {
    if (this.#flushing !== undefined || this.#pending.size === 0) return this.#flushing ?? Promise.resolve();
    const wait = this.#downUntil - Date.now();
    if (wait > 0) {
      if (wait !== Number.POSITIVE_INFINITY) this.#schedule(wait);
      return Promise.resolve();
    }
    this.#flushing = this.#writeWhenFree().finally(() => {
      this.#flushing = undefined;
      if (this.#pending.size > 0) this.#schedule(FLUSH_MILLIS);
    });
    return this.#flushing;
  }

  /**
   * Writes what is pending; while another process holds the store (SQLite's lock) tries again
   * shortly, for about a second — waiting on a timer, never on the lock, so calls go on — so that
   * a flush at shutdown, a short job's only one, is not lost to a moment's contention.
   */
  async #writeWhenFree(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const busy = await this.#run('writing drift baselines', (store) => this.#write(store));
      if (!busy || attempt >= BUSY_RETRIES || this.#pending.size === 0) return;
      await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MILLIS).unref());
    }
  }

  async #write(store: BaselineStore): Promise<void> {
    while (this.#pending.size > 0) {
      const batch = [...this.#pending.values()].slice(0, BATCH);
      for (const observation of batch) {
        this.#pending.delete(keyOf(observation.subject, observation.kind, observation.value));
        const last = this.#subjects.get(observation.subject)?.last;
        if (last?.get(observation.kind)?.observation === observation) last.delete(observation.kind);
      }
      let values: BaselineValue[];
      try {
        values = await store.recordObservations(batch);
      } catch (error) {
        // Kept for the next try, as far as there is room: first sightings matter most.
        for (const observation of batch) if (this.#pending.size < MAX_PENDING) this.#merge(observation);
        throw error;
      }
      const subjects = new Set(batch.map((observation) => observation.subject));
      this.#apply(values, subjects);
      await this.#moveSettled(store, subjects);
    }
  }

  /** Moves each baseline of these subjects whose successor has settled; reads the moved ones back. */
  async #moveSettled(store: BaselineStore, names: Set<string>): Promise<void> {
    const moved = new Set<string>();
    const now = Date.now();
    for (const name of names) {
      for (const [kind, state] of this.#subjects.get(name)?.kinds ?? []) {
        if (state.baseline === undefined) continue;
        const next = nextBaseline([...state.values.values()], state.baseline.value, this.#rule);
        if (next !== undefined && (await store.moveBaseline(name, kind, state.baseline.value, next, now)))
          moved.add(name);
      }
    }
    if (moved.size > 0) this.#apply(await store.readBaselines([...moved]), moved);
  }

  #observe(
    name: string,
    subject: Subject,
    kind: string,
    value: string,
    now: number,
    detail: (() => string | undefined) | undefined,
  ): LastSighting | undefined {
    if (this.#downUntil === Number.POSITIVE_INFINITY) return undefined; // a store that keeps no baselines
    let last = subject.last.get(kind);
    if (last?.observation.value !== value) {
      const key = keyOf(name, kind, value);
      let pending = this.#pending.get(key);
      if (pending === undefined && this.#pending.size < MAX_PENDING) {
        pending = {
          subject: name,
          kind,
          value,
          count: 0,
          firstSeen: now,
          lastSeen: now,
          context: subject.context,
          detail: detail?.(),
        };
        this.#pending.set(key, pending);
      }
      if (pending === undefined) return undefined;
      subject.last.set(kind, (last = { observation: pending, verdict: undefined }));
    }
    this.#count(last.observation, now);
    return last;
  }

  /** One more sighting of a pending observation. */
  #count(observation: BaselineObservation, now: number): void {
    observation.count += 1;
    observation.lastSeen = now;
    this.#schedule(FLUSH_MILLIS);
  }

  #merge(observation: BaselineObservation): void {
    const key = keyOf(observation.subject, observation.kind, observation.value);
    const pending = this.#pending.get(key);
    if (pending === undefined) this.#pending.set(key, observation);
    else {
      pending.count += observation.count;
      pending.firstSeen = Math.min(pending.firstSeen, observation.firstSeen);
    }
  }

  #subject(name: string): Subject {
    // The kinds of one call are compared one after the other: one lookup for them all (`#add`
    // forgets the last subject when it leaves the cache).
    if (this.#lastName === name && this.#lastSubject !== undefined) return this.#touch(name, this.#lastSubject);
    let subject = this.#subjects.get(name);
    if (subject === undefined) {
      subject = this.#add(name);
      this.#request(name);
    } else this.#touch(name, subject);
    this.#lastName = name;
    this.#lastSubject = subject;
    return subject;
  }

  /**
   * Keeps a subject in use from being forgotten: once half the cache was added or moved since it
   * last was, it moves to the newest end (a Map keeps insertion order; the oldest is forgotten
   * first). Cheaper than moving it on every call.
   */
  #touch(name: string, subject: Subject): Subject {
    if (this.#stamp - subject.stamp > MAX_SUBJECTS / 2) {
      this.#subjects.delete(name);
      this.#subjects.set(name, subject);
      subject.stamp = ++this.#stamp;
    }
    return subject;
  }

  #add(name: string): Subject {
    if (this.#subjects.size >= MAX_SUBJECTS) {
      const oldest = this.#subjects.keys().next().value!;
      this.#subjects.delete(oldest);
      if (oldest === this.#lastName) this.#lastSubject = undefined;
    }
    const subject: Subject = {
      stamp: ++this.#stamp,
      loaded: false,
      kinds: new Map(),
      context: undefined,
      reported: new Map(),
      last: new Map(),
    };
    this.#subjects.set(name, subject);
    return subject;
  }

  /** A subject the cache has no answer for: to be read (after the preload, which may bring it). */
  #request(name: string): void {
    if (this.#preloaded === undefined) {
      void this.preload();
      return;
    }
    if (!this.#preloadDone) return; // the preload's end takes it
    // Even when the preload listed the whole store: another process may have recorded this subject
    // since (a call another replica made first); the read is in while this call is in flight.
    this.#scheduleLoad(name);
  }

  #scheduleLoad(name: string): void {
    this.#toLoad.add(name);
    if (this.#loadScheduled) return;
    this.#loadScheduled = true;
    setImmediate(() => {
      this.#loadScheduled = false;
      const names = [...this.#toLoad].slice(0, BATCH);
      for (const each of names) this.#toLoad.delete(each);
      void this.#run('reading drift baselines', async (store) => {
        this.#apply(await store.readBaselines(names), new Set(names));
      });
      if (this.#toLoad.size > 0) this.#scheduleLoad([...this.#toLoad][0]!);
    });
  }

  /**
   * Replaces what the cache holds for `names` with the store's answer (absent from it: nothing
   * recorded yet). A subject no longer in the cache (forgotten while the store answered) is left
   * out — its next call asks again — unless `add` (the preload), which adds while there is room.
   */
  #apply(values: readonly BaselineValue[], names: ReadonlySet<string>, add = false): void {
    const byName = new Map<string, BaselineValue[]>();
    for (const value of values) {
      let list = byName.get(value.subject);
      if (list === undefined) byName.set(value.subject, (list = []));
      list.push(value);
    }
    for (const name of names) {
      let subject = this.#subjects.get(name);
      if (subject === undefined) {
        if (!add || this.#subjects.size >= MAX_SUBJECTS) continue;
        subject = this.#add(name);
      }
      subject.loaded = true;
      const rows = byName.get(name) ?? [];
      subject.kinds = kindsOf(rows);
      for (const last of subject.last.values()) last.verdict = undefined;
      subject.context ??= rows.find((row) => row.context !== undefined)?.context;
    }
  }

  #schedule(delay: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, delay);
    this.#timer.unref();
  }

  /**
   * Runs `work` on the store; a failure is warned about once, and the store left alone for a while.
   * Returns whether the store was busy (another process held it): nothing is wrong then.
   */
  async #run(what: string, work: (store: BaselineStore) => Promise<void>): Promise<boolean> {
    if (Date.now() < this.#downUntil) return false;
    try {
      const store = await this.durability.store();
      if (!isBaselineStore(store)) {
        warnOnce(
          `drift-store-kind:${store.kind}`,
          `runproof: the ${store.kind} store keeps no drift baselines; drift is judged per process`,
        );
        this.#downUntil = Number.POSITIVE_INFINITY;
        return false;
      }
      await work(store);
      return false;
    } catch (error) {
      // Another process is writing (SQLite's lock): nothing is wrong; what was not written is kept.
      if (BaselineStoreBusyError.isInstance(error)) return true;
      // Stopped while this was on its way: the store was closed on purpose.
      if (this.#downUntil === Number.POSITIVE_INFINITY) return false;
      this.#downUntil = Date.now() + RETRY_MILLIS;
      warnLoudly(
        `drift-store:${this.durability.storeName}`,
        `runproof: ${what} in ${this.durability.storeName} failed (${error instanceof Error ? error.message : String(error)}); drift is judged per process until it answers`,
      );
      return false;
    }
  }
}

function keyOf(subject: string, kind: string, value: string): string {
  return `${subject}\n${kind}\n${value}`;
}
