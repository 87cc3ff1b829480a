import { randomUUID } from 'node:crypto';
import { RunproofError } from '../errors.ts';
import type { RunContinuation, RunOutcome } from '../identity/run-handle.ts';
import {
  JournalWriteError,
  LeaseLostError,
  RunIdConflictError,
  RunInProgressError,
  StoreUnavailableError,
} from './errors.ts';
import type { AttemptRecord, HandoffRecord, RunHeader, RunStore, RunUsage, StepRecord } from './journal.ts';
import { newHeader } from './schema.ts';

/** How a durable run reaches its store and who executes it. */
export interface DurableRunOptions {
  store: RunStore;
  /** The store's name for messages (its URL without the password). */
  storeName: string;
  runId: string;
  name: string;
  /** Who runs this attempt: a handoff's target when it picks the run up; default `host:pid`. */
  executor: string;
  /** Whether `executor` was named by the user (then it can match a handoff's target). */
  namedExecutor: boolean;
  owners: RunHeader['owners'];
  /** How long a claim holds without renewal; renewed every third of it. */
  leaseMs: number;
}

/** What became of a claim: a run to execute, or one that completed before. */
export type DurableStart = { kind: 'execute'; run: DurableRun } | { kind: 'completed'; header: RunHeader };

/** A step found in the journal: replay it, or run it again because its declared input changed. */
export type JournalMatch = { kind: 'replay'; step: StepRecord } | { kind: 'diverged'; step: StepRecord } | undefined;

/**
 * One attempt of a durable run, as its journal sees it: the claim and its lease, which steps
 * earlier attempts completed, what they used, handoffs. Holds no telemetry: `run()` and `step()`
 * ask it what to do and tell it what happened. Its writes go to the store one after another, in
 * the order they were made, so the journal never goes back to an older header.
 */
export class DurableRun {
  readonly attempt: number;
  readonly continuation: RunContinuation;
  /** The attempt this one continues, for the span link. */
  readonly previous: AttemptRecord | undefined;
  /** The handoff this attempt picks up, when its executor is the target. */
  readonly pickedUp: HandoffRecord | undefined;
  /** What the run has used so far, asked at each renewal so a crash loses at most a third of a lease of it. */
  usageNow: () => RunUsage | undefined = () => undefined;
  readonly #options: DurableRunOptions;
  readonly #token: string;
  readonly #header: RunHeader;
  readonly #steps: Map<string, StepRecord>;
  readonly #occurrences = new Map<string, number>();
  readonly #running = new Set<Promise<unknown>>();
  #writes: Promise<unknown> = Promise.resolve();
  #renewal: ReturnType<typeof setInterval> | undefined;
  #leaseUntil: number;
  #leaseLost: unknown;
  #started = false;
  #usageWritten = '';

  /**
   * Claims the run in the store, or learns that it completed. Throws `StoreUnavailableError` when
   * the store fails, `RunInProgressError` when another executor holds it and `RunIdConflictError`
   * when the id is another workflow's: before any work.
   */
  static async begin(options: DurableRunOptions): Promise<DurableStart> {
    const token = randomUUID();
    const now = Date.now();
    let claim;
    try {
      claim = await options.store.claim(options.runId, options.name, token, now + options.leaseMs, now);
    } catch (error) {
      if (RunproofError.isInstance(error)) throw error; // a store from a newer Runproof, say
      throw new StoreUnavailableError(options.storeName, error);
    }
    if (claim.kind === 'busy') throw new RunInProgressError(options.runId, claim.leaseUntil);
    const journal = claim.journal;
    if (journal !== undefined && journal.header.name !== options.name && journal.header.attempts.length > 0) {
      if (claim.kind === 'claimed')
        await options.store.writeHeader(journal.header, token, { release: true }).catch(() => {});
      throw new RunIdConflictError(options.runId, journal.header.name, options.name);
    }
    if (claim.kind === 'completed') return { kind: 'completed', header: claim.journal.header };
    const header = journal?.header ?? newHeader(options.runId, options.name, now);
    return {
      kind: 'execute',
      run: new DurableRun(options, token, header, journal?.steps ?? [], now + options.leaseMs),
    };
  }

  private constructor(
    options: DurableRunOptions,
    token: string,
    header: RunHeader,
    steps: StepRecord[],
    leaseUntil: number,
  ) {
    this.#options = options;
    this.#token = token;
    this.#header = header;
    this.#leaseUntil = leaseUntil;
    this.#steps = new Map(steps.map((step) => [step.key, step]));
    this.previous = header.attempts.at(-1);
    this.attempt = (this.previous?.attempt ?? 0) + 1;
    const waiting = header.handoffs.find((handoff) => handoff.resumedAt === undefined);
    this.pickedUp =
      waiting !== undefined && options.namedExecutor && waiting.to === options.executor ? waiting : undefined;
    this.continuation = continuationAfter(this.previous, this.pickedUp !== undefined);
  }

  /** What earlier attempts used against the run's boundary. */
  get usage(): RunUsage {
    return this.#header.usage;
  }

  /**
   * Records the attempt's start with its run span, marks a picked-up handoff resumed (with what its
   * target passed, as stored), and starts renewing the lease. Throws `JournalWriteError` when the
   * store fails (nothing has run yet).
   */
  async startAttempt(traceId: string, spanId: string, handoffInput?: string): Promise<void> {
    const now = Date.now();
    const header = this.#copy();
    header.status = 'in_progress';
    header.owners = this.#options.owners;
    header.attempts.push({
      attempt: this.attempt,
      continuation: this.continuation,
      startedAt: now,
      traceId,
      spanId,
      executor: this.#options.executor,
    });
    const picked = header.handoffs.find((handoff) => handoff.key === this.pickedUp?.key);
    if (picked !== undefined) {
      picked.resumedAt = now;
      picked.resumedBy = this.#options.executor;
      if (handoffInput !== undefined) picked.input = handoffInput;
    }
    header.updatedAt = now;
    await this.#write(undefined, () => this.#options.store.writeHeader(header, this.#token));
    this.#adopt(header);
    this.#started = true;
    this.#usageWritten = JSON.stringify(header.usage);
    const every = Math.max(50, Math.floor(this.#options.leaseMs / 3));
    this.#renewal = setInterval(() => void this.#renew(), every);
    this.#renewal.unref();
  }

  /**
   * The key of a step in this attempt: its path in the enclosing steps' keys, and its occurrence
   * under them (`extract#1`, `process#2/fetch#1`), or the key the caller gave (`charge@invoice-7`).
   */
  nextKey(scope: string | undefined, name: string, explicitKey?: string): string {
    const path = scope === undefined ? escapeKeyPart(name) : `${scope}/${escapeKeyPart(name)}`;
    if (explicitKey !== undefined) return `${path}@${escapeKeyPart(explicitKey)}`;
    const occurrence = (this.#occurrences.get(path) ?? 0) + 1;
    this.#occurrences.set(path, occurrence);
    return `${path}#${occurrence}`;
  }

  /**
   * The key of a `handoff()` to `to` in this attempt: under the enclosing step's key, by target and
   * occurrence (`review#1/@handoff:ap-team#1`). `@` is escaped in step names, so no step has it.
   */
  nextHandoffKey(scope: string | undefined, to: string): string {
    const path = `${scope === undefined ? '' : `${scope}/`}@handoff:${escapeKeyPart(to)}`;
    const occurrence = (this.#occurrences.get(path) ?? 0) + 1;
    this.#occurrences.set(path, occurrence);
    return `${path}#${occurrence}`;
  }

  /** Whether a step completed in an earlier attempt, and whether its declared input still matches. */
  find(key: string, inputDigest: string | undefined): JournalMatch {
    const step = this.#steps.get(key);
    if (step === undefined) return undefined;
    if (inputDigest !== undefined && step.inputDigest !== undefined && step.inputDigest !== inputDigest)
      return { kind: 'diverged', step };
    return { kind: 'replay', step };
  }

  /**
   * Runs a step's work while the run is still held: refused (`JournalWriteError` naming the step,
   * the work not started) once the lease is lost or has run out unrenewed — another executor may
   * have the run — and waited for before the attempt ends.
   */
  async execute<T>(key: string, work: () => Promise<T>): Promise<T> {
    if (this.#leaseLost !== undefined || Date.now() >= this.#leaseUntil) {
      throw new JournalWriteError(this.#options.runId, key, this.#leaseLost ?? new LeaseLostError(this.#options.runId));
    }
    const running = work();
    this.#running.add(running);
    try {
      return await running;
    } finally {
      this.#running.delete(running);
    }
  }

  /** Journals a completed step with what the run has used so far. Throws `JournalWriteError` naming it. */
  async recordStep(step: Omit<StepRecord, 'attempt' | 'completedAt'>, usage: RunUsage | undefined): Promise<void> {
    const now = Date.now();
    const record: StepRecord = { ...step, attempt: this.attempt, completedAt: now };
    const header = this.#copy();
    if (usage !== undefined) header.usage = usage;
    header.updatedAt = now;
    await this.#write(step.key, () => this.#options.store.writeStep(record, header, this.#token));
    this.#adopt(header);
    this.#usageWritten = JSON.stringify(header.usage);
    this.#steps.set(step.key, record);
  }

  /** The handoff recorded under `key` by an earlier attempt, if any. */
  findHandoff(key: string): HandoffRecord | undefined {
    return this.#header.handoffs.find((handoff) => handoff.key === key);
  }

  /** Adds a handoff to the journal; it is written when the attempt ends. */
  addHandoff(key: string, to: string, reason: string): HandoffRecord {
    const handoff: HandoffRecord = {
      key,
      to,
      reason,
      by: this.#options.executor,
      attempt: this.attempt,
      at: Date.now(),
    };
    this.#header.handoffs.push(handoff);
    return handoff;
  }

  /**
   * Ends the attempt in the journal and gives the lease back: `completed` with the run's result
   * (as stored), or the outcome it ended with. Steps still running (a `Promise.all` sibling of the
   * one that failed) are waited for first, at most a lease long, so their results are journaled.
   * An attempt that never started (refused before its first write) only gives the lease back.
   * Throws `JournalWriteError` when the store fails.
   */
  async finish(outcome: RunOutcome, result: string | undefined, usage: RunUsage | undefined): Promise<void> {
    if (this.#running.size > 0) await settledWithin([...this.#running], this.#options.leaseMs);
    this.#stopRenewal();
    const now = Date.now();
    const header = this.#copy();
    if (this.#started) {
      const attempt = header.attempts.find((candidate) => candidate.attempt === this.attempt);
      if (attempt !== undefined) {
        attempt.endedAt = now;
        attempt.outcome = outcome;
      }
      header.status = outcome;
      if (usage !== undefined) header.usage = usage;
      if (result !== undefined) header.result = result;
    }
    header.updatedAt = now;
    await this.#write(undefined, () => this.#options.store.writeHeader(header, this.#token, { release: true }));
    this.#adopt(header);
  }

  /**
   * The process is ending with the attempt unfinished (SIGTERM, `process.exit()`): gives the lease
   * back without ending the attempt, so the next `run()` resumes it at once instead of waiting for
   * the lease to run out. Best effort: the write may not finish before the process does.
   */
  releaseAtExit(): void {
    this.#stopRenewal();
    const header = this.#copy();
    header.updatedAt = Date.now();
    void this.#write(undefined, () => this.#options.store.writeHeader(header, this.#token, { release: true })).catch(
      () => {},
    );
  }

  /** Stops renewing without writing: the attempt could not be recorded and its lease will expire. */
  abandon(): void {
    this.#stopRenewal();
  }

  async #renew(): Promise<void> {
    const until = Date.now() + this.#options.leaseMs;
    try {
      await this.#options.store.renew(this.#options.runId, this.#token, until);
      this.#leaseUntil = until;
      // What the run has spent since its last journaled step: a crash must not give it back.
      const usage = this.usageNow();
      if (usage === undefined || JSON.stringify(usage) === this.#usageWritten) return;
      const header = this.#copy();
      header.usage = usage;
      header.updatedAt = Date.now();
      await this.#write(undefined, () => this.#options.store.writeHeader(header, this.#token));
      this.#adopt(header);
      this.#usageWritten = JSON.stringify(usage);
    } catch (error) {
      if (
        error instanceof LeaseLostError ||
        (error instanceof JournalWriteError && error.cause instanceof LeaseLostError)
      )
        this.#leaseLost = error;
      // Other failures (the store briefly down) are retried at the next renewal; the lease may run out meanwhile.
    }
  }

  #stopRenewal(): void {
    if (this.#renewal !== undefined) clearInterval(this.#renewal);
    this.#renewal = undefined;
  }

  /** A copy of the header to write: it becomes the run's header only once the store has it. */
  #copy(): RunHeader {
    return structuredClone(this.#header);
  }

  #adopt(header: RunHeader): void {
    Object.assign(this.#header, header);
  }

  /** One write at a time, in order; a failure names the step it was for. */
  #write(step: string | undefined, write: () => Promise<void>): Promise<void> {
    const written = this.#writes.then(async () => {
      if (this.#leaseLost !== undefined) throw new JournalWriteError(this.#options.runId, step, this.#leaseLost);
      try {
        await write();
      } catch (error) {
        if (error instanceof LeaseLostError) this.#leaseLost = error;
        throw new JournalWriteError(this.#options.runId, step, error);
      }
    });
    this.#writes = written.catch(() => {});
    return written;
  }
}

/** How an attempt continues the one before it. */
function continuationAfter(previous: AttemptRecord | undefined, pickingUpHandoff: boolean): RunContinuation {
  if (previous === undefined) return 'new';
  if (pickingUpHandoff) return 'handoff';
  if (previous.outcome === undefined || previous.outcome === 'handed_off') return 'resume';
  return 'retry';
}

/** A step name or key as part of a journal key: `/`, `#`, `@` and `%` escaped, so no two paths read the same. */
function escapeKeyPart(text: string): string {
  return text.replace(/[%/#@]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

async function settledWithin(promises: Promise<unknown>[], milliseconds: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, milliseconds);
    timer.unref();
  });
  await Promise.race([Promise.allSettled(promises), timeout]);
  clearTimeout(timer);
}
