import { randomUUID } from 'node:crypto';
import type { RunContinuation, RunOutcome } from '../identity/run-handle.ts';
import { JournalWriteError, LeaseLostError, RunInProgressError, StoreUnavailableError } from './errors.ts';
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
 * ask it what to do and tell it what happened.
 */
export class DurableRun {
  readonly attempt: number;
  readonly continuation: RunContinuation;
  /** The attempt this one continues, for the span link. */
  readonly previous: AttemptRecord | undefined;
  /** The handoff this attempt picks up, when its executor is the target. */
  readonly pickedUp: HandoffRecord | undefined;
  readonly #options: DurableRunOptions;
  readonly #token: string;
  readonly #header: RunHeader;
  readonly #steps: Map<string, StepRecord>;
  readonly #occurrences = new Map<string, number>();
  #renewal: ReturnType<typeof setInterval> | undefined;
  #leaseLost: unknown;

  /**
   * Claims the run in the store, or learns that it completed. Throws `StoreUnavailableError` when
   * the store fails and `RunInProgressError` when another executor holds it: before any work.
   */
  static async begin(options: DurableRunOptions): Promise<DurableStart> {
    const token = randomUUID();
    const now = Date.now();
    let claim;
    try {
      claim = await options.store.claim(options.runId, options.name, token, now + options.leaseMs, now);
    } catch (error) {
      throw new StoreUnavailableError(options.storeName, error);
    }
    if (claim.kind === 'busy') throw new RunInProgressError(options.runId, claim.leaseUntil);
    if (claim.kind === 'completed') return { kind: 'completed', header: claim.journal.header };
    const header = claim.journal?.header ?? newHeader(options.runId, options.name, now);
    return { kind: 'execute', run: new DurableRun(options, token, header, claim.journal?.steps ?? []) };
  }

  private constructor(options: DurableRunOptions, token: string, header: RunHeader, steps: StepRecord[]) {
    this.#options = options;
    this.#token = token;
    this.#header = header;
    this.#steps = new Map(steps.map((step) => [step.key, step]));
    this.previous = header.attempts.at(-1);
    this.attempt = (this.previous?.attempt ?? 0) + 1;
    const waiting = header.handoffs.find((handoff) => handoff.resumedAt === undefined);
    this.pickedUp = waiting !== undefined && options.namedExecutor && waiting.to === options.executor ? waiting : undefined;
    this.continuation = continuationAfter(this.previous, this.pickedUp !== undefined);
  }

  /** What earlier attempts used against the run's boundary. */
  get usage(): RunUsage {
    return this.#header.usage;
  }

  /**
   * Records the attempt's start with its run span, marks a picked-up handoff resumed (with what its
   * target passed, as stored), and starts
   * renewing the lease. Throws `JournalWriteError` when the store fails (nothing has run yet).
   */
  async startAttempt(traceId: string, spanId: string, handoffInput?: string): Promise<void> {
    const now = Date.now();
    this.#header.status = 'in_progress';
    this.#header.owners = this.#options.owners;
    this.#header.attempts.push({ attempt: this.attempt, continuation: this.continuation, startedAt: now, traceId, spanId, executor: this.#options.executor });
    if (this.pickedUp !== undefined) {
      this.pickedUp.resumedAt = now;
      this.pickedUp.resumedBy = this.#options.executor;
      if (handoffInput !== undefined) this.pickedUp.input = handoffInput;
    }
    await this.#write(undefined, () => this.#options.store.writeHeader(this.#touch(now), this.#token));
    const every = Math.max(50, Math.floor(this.#options.leaseMs / 3));
    this.#renewal = setInterval(() => {
      this.#options.store.renew(this.#options.runId, this.#token, Date.now() + this.#options.leaseMs).catch((error: unknown) => {
        if (error instanceof LeaseLostError) this.#leaseLost = error;
      });
    }, every);
    this.#renewal.unref();
  }

  /** The next occurrence key of a step path in this attempt: `extract#1`, `extract#2`, … */
  nextKey(path: string): string {
    const occurrence = (this.#occurrences.get(path) ?? 0) + 1;
    this.#occurrences.set(path, occurrence);
    return `${path}#${occurrence}`;
  }

  /** Whether a step completed in an earlier attempt, and whether its declared input still matches. */
  find(key: string, inputDigest: string | undefined): JournalMatch {
    const step = this.#steps.get(key);
    if (step === undefined) return undefined;
    if (inputDigest !== undefined && step.inputDigest !== undefined && step.inputDigest !== inputDigest) return { kind: 'diverged', step };
    return { kind: 'replay', step };
  }

  /** Journals a completed step with what the run has used so far. Throws `JournalWriteError` naming it. */
  async recordStep(step: Omit<StepRecord, 'attempt' | 'completedAt'>, usage: RunUsage | undefined): Promise<void> {
    const now = Date.now();
    const record: StepRecord = { ...step, attempt: this.attempt, completedAt: now };
    if (usage !== undefined) this.#header.usage = usage;
    await this.#write(step.key, () => this.#options.store.writeStep(record, this.#touch(now), this.#token));
    this.#steps.set(step.key, record);
  }

  /** The handoff recorded under `key` by an earlier attempt, if any. */
  findHandoff(key: string): HandoffRecord | undefined {
    return this.#header.handoffs.find((handoff) => handoff.key === key);
  }

  /** Adds a handoff to the journal; it is written when the attempt ends. */
  addHandoff(key: string, to: string, reason: string): HandoffRecord {
    const handoff: HandoffRecord = { key, to, reason, by: this.#options.executor, attempt: this.attempt, at: Date.now() };
    this.#header.handoffs.push(handoff);
    return handoff;
  }

  /**
   * Ends the attempt in the journal and gives the lease back: `completed` with the run's result
   * (as stored), or the outcome it ended with. Throws `JournalWriteError` when the store fails.
   */
  async finish(outcome: RunOutcome, result: string | undefined, usage: RunUsage | undefined): Promise<void> {
    this.#stopRenewal();
    const now = Date.now();
    const attempt = this.#header.attempts.at(-1);
    if (attempt !== undefined) {
      attempt.endedAt = now;
      attempt.outcome = outcome;
    }
    this.#header.status = outcome;
    if (usage !== undefined) this.#header.usage = usage;
    if (result !== undefined) this.#header.result = result;
    await this.#write(undefined, () => this.#options.store.writeHeader(this.#touch(now), this.#token, { release: true }));
  }

  /** Stops renewing without writing: the attempt could not be recorded and its lease will expire. */
  abandon(): void {
    this.#stopRenewal();
  }

  #stopRenewal(): void {
    if (this.#renewal !== undefined) clearInterval(this.#renewal);
    this.#renewal = undefined;
  }

  #touch(now: number): RunHeader {
    this.#header.updatedAt = now;
    return this.#header;
  }

  async #write(step: string | undefined, write: () => Promise<void>): Promise<void> {
    if (this.#leaseLost !== undefined) throw new JournalWriteError(this.#options.runId, step, this.#leaseLost);
    try {
      await write();
    } catch (error) {
      throw new JournalWriteError(this.#options.runId, step, error);
    }
  }
}

/** How an attempt continues the one before it. */
function continuationAfter(previous: AttemptRecord | undefined, pickingUpHandoff: boolean): RunContinuation {
  if (previous === undefined) return 'new';
  if (pickingUpHandoff) return 'handoff';
  if (previous.outcome === undefined || previous.outcome === 'handed_off') return 'resume';
  return 'retry';
}
