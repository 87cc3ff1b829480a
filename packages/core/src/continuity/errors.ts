import { RunproofError } from '../errors.ts';

/**
 * The run store could not be reached or answered with an error: thrown by `run()` of a durable run
 * before any of its work starts, so nothing is half-written. The message names the store by its
 * URL without the password. Code: `RUNPROOF_STORE_UNAVAILABLE`.
 */
export class StoreUnavailableError extends RunproofError {
  constructor(store: string, cause: unknown) {
    super('RUNPROOF_STORE_UNAVAILABLE', `The run store ${store} is unavailable: ${messageOf(cause)}`, { cause });
    this.name = 'StoreUnavailableError';
  }

  static override isInstance(value: unknown): value is StoreUnavailableError {
    return RunproofError.isInstance(value) && value.code === 'RUNPROOF_STORE_UNAVAILABLE';
  }
}

/**
 * Another executor holds the run (its lease has not expired): thrown by `run()` before any step
 * runs. Try again after `leaseUntil`, or leave the run to the executor that has it.
 * Code: `RUNPROOF_RUN_IN_PROGRESS`.
 */
export class RunInProgressError extends RunproofError {
  readonly runId: string;
  /** Epoch milliseconds when the other executor's lease expires unless renewed. */
  readonly leaseUntil: number;

  constructor(runId: string, leaseUntil: number) {
    super(
      'RUNPROOF_RUN_IN_PROGRESS',
      `Run ${JSON.stringify(runId)} is being executed elsewhere (its lease runs until ${new Date(leaseUntil).toISOString()})`,
    );
    this.name = 'RunInProgressError';
    this.runId = runId;
    this.leaseUntil = leaseUntil;
  }

  static override isInstance(value: unknown): value is RunInProgressError {
    return RunproofError.isInstance(value) && value.code === 'RUNPROOF_RUN_IN_PROGRESS';
  }
}

/**
 * The journal could not record a step (the store failed, or another executor took the run over):
 * the run fails with this error naming the step, and the next attempt runs that step again — and
 * only that one. Code: `RUNPROOF_JOURNAL_WRITE_FAILED`.
 */
export class JournalWriteError extends RunproofError {
  readonly runId: string;
  /** The step whose result was not recorded, e.g. `classify#1`; absent for the run's own records. */
  readonly step: string | undefined;

  constructor(runId: string, step: string | undefined, cause: unknown) {
    const what = step === undefined ? 'its journal' : `the result of step "${step}"`;
    super(
      'RUNPROOF_JOURNAL_WRITE_FAILED',
      `Run ${JSON.stringify(runId)} could not record ${what}: ${messageOf(cause)}`,
      { cause },
    );
    this.name = 'JournalWriteError';
    this.runId = runId;
    this.step = step;
  }

  static override isInstance(value: unknown): value is JournalWriteError {
    return RunproofError.isInstance(value) && value.code === 'RUNPROOF_JOURNAL_WRITE_FAILED';
  }
}

/** A store write refused because another executor holds the run now. Code: `RUNPROOF_LEASE_LOST`. */
export class LeaseLostError extends RunproofError {
  constructor(runId: string) {
    super('RUNPROOF_LEASE_LOST', `Run ${JSON.stringify(runId)} was taken over by another executor`);
    this.name = 'LeaseLostError';
  }

  static override isInstance(value: unknown): value is LeaseLostError {
    return RunproofError.isInstance(value) && value.code === 'RUNPROOF_LEASE_LOST';
  }
}

/**
 * A durable step's result cannot be journaled: not JSON-serializable, or larger than
 * `maxResultBytes`. Thrown before anything is written. Code: `RUNPROOF_STEP_RESULT_INVALID`.
 */
export class StepResultError extends RunproofError {
  readonly step: string;

  constructor(step: string, problem: string) {
    super('RUNPROOF_STEP_RESULT_INVALID', `The result of step "${step}" cannot be journaled: ${problem}`);
    this.name = 'StepResultError';
    this.step = step;
  }

  static override isInstance(value: unknown): value is StepResultError {
    return RunproofError.isInstance(value) && value.code === 'RUNPROOF_STEP_RESULT_INVALID';
  }
}

/**
 * The run was handed off (`handoff()`), and waits for its target to resume it: `run()` rejects with
 * this so the code after it does not take the missing result for one. Not a failure: the run's
 * outcome is `handed_off`. Code: `RUNPROOF_RUN_HANDED_OFF`.
 */
export class RunHandedOffError extends RunproofError {
  readonly runId: string;
  readonly to: string;
  readonly reason: string;

  constructor(runId: string, to: string, reason: string) {
    super('RUNPROOF_RUN_HANDED_OFF', `Run ${JSON.stringify(runId)} was handed off to ${JSON.stringify(to)}: ${reason}`);
    this.name = 'RunHandedOffError';
    this.runId = runId;
    this.to = to;
    this.reason = reason;
  }

  static override isInstance(value: unknown): value is RunHandedOffError {
    return RunproofError.isInstance(value) && value.code === 'RUNPROOF_RUN_HANDED_OFF';
  }
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * A durable run's id is already another workflow's (two workflows keyed by the same business id):
 * thrown by `run()` before anything runs, rather than one workflow replaying the other's steps.
 * Prefix ids with the workflow, or use distinct ids. Code: `RUNPROOF_RUN_ID_CONFLICT`.
 */
export class RunIdConflictError extends RunproofError {
  readonly runId: string;

  constructor(runId: string, journaledName: string, name: string) {
    super(
      'RUNPROOF_RUN_ID_CONFLICT',
      `Run ${JSON.stringify(runId)} is journaled as a run of ${JSON.stringify(journaledName)}, not of ${JSON.stringify(name)}: give each workflow's runs their own ids`,
    );
    this.name = 'RunIdConflictError';
    this.runId = runId;
  }

  static override isInstance(value: unknown): value is RunIdConflictError {
    return RunproofError.isInstance(value) && value.code === 'RUNPROOF_RUN_ID_CONFLICT';
  }
}
