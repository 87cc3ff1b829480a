import { createContextKey, type Context, type Span } from '@opentelemetry/api';
import {
  createManifest,
  type CallConditions,
  type ObservedConditions,
  type RunManifest,
} from '../identity/manifest.ts';
import { isPlainJsonValue, manifestRecord, type ManifestRecord } from '../identity/manifest-text.ts';
import { canonicalize } from '../identity/canonical-json.ts';
import { VERSION } from '../version.ts';
import { keepShapes } from '../internal/shapes.ts';
import { getSettings } from '../settings.ts';
import type { RunBoundary } from '../boundary/run-boundary.ts';
import type { DurableRun } from '../continuity/durable-run.ts';
import type { OpenCall } from '../telemetry/open-calls.ts';
import type { Run, RunContinuation, RunOutcome } from '../identity/run-handle.ts';

export type { Run, RunContinuation, RunOutcome };

/** The context keys are `Symbol.for` symbols, so two copies of core see the same run. */
export const RUN_KEY = createContextKey('runproof:run');
export const STEP_KEY = createContextKey('runproof:step');

export interface RunStateInit {
  id: string;
  name: string;
  attempt: number;
  continuation: RunContinuation;
  conditions: Record<string, unknown>;
  /** `canonicalize(conditions)` as the run starts, when they are plain JSON; else `undefined`. */
  conditionsJson?: string;
}

export class RunState implements Run {
  readonly id: string;
  readonly name: string;
  readonly attempt: number;
  readonly continuation: RunContinuation;
  readonly conditions: Record<string, unknown>;
  readonly #conditionsJson: string | undefined;
  /** Whether the conditions and every call's conditions are plain JSON (see `manifestRecord`). */
  #plainJson: boolean;
  readonly startTime = performance.now();
  #span!: Span;
  outcomeOverride: RunOutcome | undefined;
  /** The boundary in force for this run, with what the run has spent of it; none without a policy. */
  boundary: RunBoundary | undefined;
  /** The journal of a durable run's attempt; none for a run that is not durable. */
  durable: DurableRun | undefined;
  /** On core's open-call list while the run is open, so a process that ends mid-run still ends its span. */
  openAtExit: OpenCall | undefined;
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
    this.#conditionsJson = init.conditionsJson;
    this.#plainJson = init.conditionsJson !== undefined;
  }

  /** The run's `invoke_workflow` span; set once, as it starts. */
  get span(): Span {
    return this.#span;
  }

  set span(span: Span) {
    this.#span = span;
  }

  setOutcome(outcome: RunOutcome): void {
    this.outcomeOverride = outcome;
  }

  /** Adds a call's declared conditions under its fingerprint; each distinct condition is kept once. */
  recordCall(conditions: CallConditions, callFingerprint: string): void {
    if (this.calls.has(callFingerprint)) return;
    this.calls.set(callFingerprint, conditions);
    // Checked once per distinct call in a run: the manifest's fast path needs plain JSON throughout.
    if (this.#plainJson && !isPlainJsonValue(conditions)) this.#plainJson = false;
  }

  recordObserved(observed: ObservedConditions): void {
    if (observed.resolvedModel) this.resolvedModels.add(observed.resolvedModel);
    if (observed.systemFingerprint) this.systemFingerprints.add(observed.systemFingerprint);
    const toolsCalled = observed.toolsCalled;
    if (toolsCalled !== undefined) for (const tool of toolsCalled) this.toolsCalled.add(tool);
  }

  /**
   * What the run span records as the run ends: the manifest's canonical JSON and its digests, the
   * same as `canonicalize(this.manifest())` gives, built from pieces canonicalized once.
   */
  manifestRecord(): ManifestRecord {
    if (this.#plainJson && this.#conditionsJson !== undefined)
      return manifestRecord({
        runId: this.id,
        attempt: this.attempt,
        continuation: this.continuation,
        run: this.name,
        codeVersion: getSettings().codeVersion,
        runproof: VERSION,
        policy: this.boundary?.policy.digest ?? null,
        conditionsJson: this.#conditionsJson,
        calls: this.calls,
        resolvedModels: this.resolvedModels,
        systemFingerprints: this.systemFingerprints,
        toolsCalled: this.toolsCalled,
      });
    const manifest = this.manifest();
    return { fingerprint: manifest.fingerprint, observedDigest: manifest.observedDigest, json: canonicalize(manifest) };
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
        policy: this.boundary?.policy.digest ?? null,
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

/**
 * The run whose span is ending, for the span processor that signs a run as its span ends (it has
 * only the span). Set only around that `end()` call, which runs the processors synchronously: no
 * map from every run span to its run is kept for the few processes that sign.
 */
let endingRun: RunState | undefined;

/** Ends the run's span; while its processors see it end, {@link getRunStateOfSpan} finds the run. */
export function endRunSpan(state: RunState): void {
  endingRun = state;
  try {
    state.span.end();
  } finally {
    endingRun = undefined;
  }
}

/** The run whose `invoke_workflow` span this is, while that span is ending; `undefined` for any other span. */
export function getRunStateOfSpan(span: object): RunState | undefined {
  return endingRun !== undefined && endingRun.span === span ? endingRun : undefined;
}

export function getRunState(context: Context): RunState | undefined {
  return context.getValue(RUN_KEY) as RunState | undefined;
}

export function getStepPath(context: Context): string | undefined {
  return context.getValue(STEP_KEY) as string | undefined;
}

// An idle run, kept for the class's shape (see `keepShapes`).
keepShapes(new RunState({ id: '', name: '', attempt: 1, continuation: 'new', conditions: {} }));
