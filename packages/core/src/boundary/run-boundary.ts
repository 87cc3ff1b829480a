import { createContextKey, type Context } from '@opentelemetry/api';
import type { BoundaryViolation } from '../errors.ts';
import type { Run } from '../identity/run-handle.ts';
import { RunBudget } from './budget.ts';
import type { ResolvedPolicy } from './policy.ts';

/**
 * A run's boundary while it runs: the policy in force, what the run has spent of it, and the
 * violation that halted it. `run()` makes one for a run with a policy and puts it in the run's
 * context, where the guards find it; the guards need nothing else from the run.
 */
export class RunBoundary {
  readonly budget = new RunBudget();
  /** The violation that halted the run; once set, every later guarded call and step is refused. */
  haltedBy: BoundaryViolation | undefined;

  /** The run held to the boundary: its id and name go into violations, its outcome moves on halt. */
  readonly run: Run;
  readonly policy: ResolvedPolicy;
  /** `performance.now()` when the run started, for `maxDurationMs`. */
  readonly startTime: number;

  constructor(run: Run, policy: ResolvedPolicy, startTime: number) {
    this.run = run;
    this.policy = policy;
    this.startTime = startTime;
  }
}

/** A `Symbol.for` key, so two copies of core see the same boundary. */
const BOUNDARY_KEY = createContextKey('runproof:boundary');

/** `callContext` with `boundary` in force. */
export function withRunBoundary(callContext: Context, boundary: RunBoundary): Context {
  return callContext.setValue(BOUNDARY_KEY, boundary);
}

/** The boundary of the run `callContext` is inside, if that run has a policy. */
export function getRunBoundary(callContext: Context): RunBoundary | undefined {
  return callContext.getValue(BOUNDARY_KEY) as RunBoundary | undefined;
}
