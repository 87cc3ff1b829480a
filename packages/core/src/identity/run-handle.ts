import type { Span } from '@opentelemetry/api';
import type { RunManifest } from './manifest.ts';

export type RunContinuation = 'new' | 'retry' | 'resume' | 'handoff' | 'fork';
export type RunOutcome = 'completed' | 'failed' | 'halted' | 'escalated' | 'handed_off';

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
