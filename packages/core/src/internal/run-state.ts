import { createContextKey, type Context, type Span } from '@opentelemetry/api';
import {
  createManifest,
  type CallConditions,
  type ObservedConditions,
  type RunManifest,
} from '../manifest.ts';
import { VERSION } from '../version.ts';
import { getSettings } from '../settings.ts';
import type { RunBudget } from '../budget.ts';
import type { BoundaryViolation } from '../errors.ts';
import type { ResolvedPolicy } from '../policy.ts';

export type RunContinuation = 'new' | 'retry' | 'resume' | 'handoff' | 'fork';
export type RunOutcome = 'completed' | 'failed' | 'halted' | 'escalated' | 'handed_off';

/** The context keys are `Symbol.for` symbols, so two copies of core see the same run. */
export const RUN_KEY = createContextKey('runproof:run');
export const STEP_KEY = createContextKey('runproof:step');

/** A run in progress, as user code and adapters see it (`currentRun()`). */
export interface Run {
  /** Stable across attempts and resumes (`ATTR_RUNPROOF_RUN_ID`). */
  readonly id: string;
  readonly name: string;
  /** 1-based. */
  readonly attempt: number;
  readonly continuation: RunContinuation;
  /** The run's `invoke_workflow` span. */
  readonly span: Span;
  /** A snapshot of the manifest with the conditions reported so far. */
  manifest(): RunManifest;
  /**
   * Sets the outcome the run ends with, overriding the default (`completed` on return, `failed` on
   * throw). `halted` and `escalated` are set by boundaries; use `handed_off` when another system
   * takes the work over.
   */
  setOutcome(outcome: RunOutcome): void;
}

export interface RunStateInit {
  id: string;
  name: string;
  attempt: number;
  continuation: RunContinuation;
  conditions: Record<string, unknown>;
}

export class RunState implements Run {
  readonly id: string;
  readonly name: string;
  readonly attempt: number;
  readonly continuation: RunContinuation;
  readonly conditions: Record<string, unknown>;
  readonly startTime = performance.now();
  span!: Span;
  outcomeOverride: RunOutcome | undefined;
  policyDigest: string | null = null;
  /** The boundary policy in force for this run, with what the run has spent of it. */
  policy: ResolvedPolicy | undefined;
  budget: RunBudget | undefined;
  /** The violation that halted the run; once set, every later guarded call and step is refused. */
  haltedBy: BoundaryViolation | undefined;
  ended = false;
  private readonly calls = new Map<string, CallConditions>();
  private readonly resolvedModels = new Set<string>();
  private readonly systemFingerprints = new Set<string>();
  private readonly toolsCalled = new Set<string>();

  constructor(init: RunStateInit) {
    this.id = init.id;
    this.name = init.name;
    this.attempt = init.attempt;
    this.continuation = init.continuation;
    this.conditions = init.conditions;
  }

  setOutcome(outcome: RunOutcome): void {
    this.outcomeOverride = outcome;
  }

  /** Adds a call's declared conditions under its fingerprint; each distinct condition is kept once. */
  recordCall(conditions: CallConditions, callFingerprint: string): void {
    if (!this.calls.has(callFingerprint)) this.calls.set(callFingerprint, conditions);
  }

  recordObserved(observed: ObservedConditions): void {
    if (observed.resolvedModel) this.resolvedModels.add(observed.resolvedModel);
    if (observed.systemFingerprint) this.systemFingerprints.add(observed.systemFingerprint);
    for (const tool of observed.toolsCalled ?? []) this.toolsCalled.add(tool);
  }

  manifest(): RunManifest {
    const calls = [...this.calls.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, call]) => call);
    return createManifest({
      runId: this.id,
      attempt: this.attempt,
      continuation: this.continuation,
      declared: {
        run: this.name,
        code: { version: getSettings().codeVersion },
        runproof: VERSION,
        policy: this.policyDigest,
        conditions: this.conditions,
        calls,
      },
      observed: {
        resolvedModels: [...this.resolvedModels].sort(),
        systemFingerprints: [...this.systemFingerprints].sort(),
        toolsCalled: [...this.toolsCalled].sort(),
      },
    });
  }
}

export function getRunState(context: Context): RunState | undefined {
  return context.getValue(RUN_KEY) as RunState | undefined;
}

export function getStepPath(context: Context): string | undefined {
  return context.getValue(STEP_KEY) as string | undefined;
}

