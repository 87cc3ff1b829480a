import type { RunContinuation, RunOutcome } from '../identity/run-handle.ts';

/**
 * Where a durable run stands in its journal. `in_progress` while an attempt holds the run, and after
 * a crash until the next attempt takes it; the other values are the last attempt's outcome.
 */
export type RunStatus = 'in_progress' | RunOutcome;

/** One attempt of a run: what the next attempt links to and what `runproof runs show` lists. */
export interface AttemptRecord {
  /** 1-based. */
  attempt: number;
  continuation: RunContinuation;
  /** Epoch milliseconds. */
  startedAt: number;
  /** Epoch milliseconds; absent while running, and forever when the process died. */
  endedAt?: number;
  outcome?: RunOutcome;
  /** The attempt's run span, linked from the next attempt's (hex ids). */
  traceId: string;
  spanId: string;
  /** Who ran it: `host:pid`, or what `run({ by })` said. */
  executor: string;
}

/** A step that completed: replayed instead of executed by later attempts. */
export interface StepRecord {
  /** The step's path and occurrence in the run, e.g. `classify#1`, `extract/ocr#2`. */
  key: string;
  /** The attempt it completed in. */
  attempt: number;
  /** Its result as stored: JSON text, or what `encodeResult` made of it. */
  result: string;
  /** The digest of its declared input, when the step declared one. */
  inputDigest?: string;
  /** The span it ran in (hex ids), linked from its replays. */
  traceId: string;
  spanId: string;
  /** Epoch milliseconds. */
  completedAt: number;
}

/** A handoff of the run to a person or team, and when it was picked up. */
export interface HandoffRecord {
  /** `handoff#<occurrence>`: the n-th `handoff()` call of the run. */
  key: string;
  to: string;
  reason: string;
  /** Who handed off (the attempt's executor). */
  by: string;
  attempt: number;
  /** Epoch milliseconds. */
  at: number;
  /** When and by whom the run was resumed after it; absent while waiting. */
  resumedAt?: number;
  resumedBy?: string;
  /** What the executor that resumed it passed to the run (JSON, as stored), returned by `handoff()` on replay. */
  input?: string;
}

/** What all attempts of the run have used against its boundary together. */
export interface RunUsage {
  modelCalls: number;
  toolCalls: number;
  toolCallsByName: Record<string, number>;
  tokens: number;
  costUsd: number;
}

/** Everything a store keeps about a run except its steps. Small: rewritten whole on each change. */
export interface RunHeader {
  id: string;
  name: string;
  status: RunStatus;
  /** Epoch milliseconds of the last change. */
  updatedAt: number;
  owners?: { technical?: string; operational?: string };
  attempts: AttemptRecord[];
  usage: RunUsage;
  handoffs: HandoffRecord[];
  /** The completed run's result as stored (see {@link StepRecord.result}); absent when it returned nothing. */
  result?: string;
}

/** A run's whole journal. */
export interface RunJournal {
  header: RunHeader;
  /** In the order they were written (a step written again moves to the end). */
  steps: StepRecord[];
}

/** The answer of {@link RunStore.claim}. */
export type Claim =
  /** The caller holds the run until `leaseUntil` (renewed); `journal` is absent for a run never seen. */
  | { kind: 'claimed'; journal: RunJournal | undefined }
  /** The run completed before: nothing is to run again. */
  | { kind: 'completed'; journal: RunJournal }
  /** Another executor holds the run until `leaseUntil` (epoch ms). */
  | { kind: 'busy'; leaseUntil: number };

/** What {@link RunStore.list} filters on. */
export interface RunFilter {
  status?: RunStatus;
  /** At most this many, most recently changed first. Default: 100. */
  limit?: number;
}

/**
 * Where durable runs keep their journals: one small interface, implemented for SQLite, PostgreSQL
 * and Redis. Every write names the lease token it was claimed with and fails with
 * `LeaseLostError` when another executor has taken the run since, so two executors can never both
 * write a run. Implementations create their schema on first use.
 */
export interface RunStore {
  /** `sqlite`, `postgres` or `redis`. */
  readonly kind: string;
  /**
   * Takes the run for an attempt, atomically: a run never seen, or one whose lease expired (a
   * crashed executor) or was released (an attempt that ended without completing), is claimed
   * with `token` until `leaseUntil`.
   */
  claim(runId: string, name: string, token: string, leaseUntil: number, now: number): Promise<Claim>;
  /** Replaces the header; with `release`, gives the lease back (the attempt ended). */
  writeHeader(header: RunHeader, token: string, options?: { release?: boolean }): Promise<void>;
  /** Adds a completed step and replaces the header (its usage) in one transaction. */
  writeStep(step: StepRecord, header: RunHeader, token: string): Promise<void>;
  /** Extends the lease. */
  renew(runId: string, token: string, leaseUntil: number): Promise<void>;
  read(runId: string): Promise<RunJournal | undefined>;
  list(filter?: RunFilter): Promise<RunHeader[]>;
  /** Removes completed runs last changed before `before` (epoch ms); returns how many. */
  removeCompleted(before: number): Promise<number>;
  close(): Promise<void>;
}

/** A usage with nothing spent. */
export function emptyUsage(): RunUsage {
  return { modelCalls: 0, toolCalls: 0, toolCallsByName: {}, tokens: 0, costUsd: 0 };
}
