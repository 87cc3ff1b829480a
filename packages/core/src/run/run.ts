import { context, propagation, SpanKind, trace, type Attributes, type Span } from '@opentelemetry/api';
import { attachPolicy, guardRunStart, guardStep } from '../boundary/guards.ts';
import { getRunBoundary, withRunBoundary } from '../boundary/run-boundary.ts';
import { canonicalize } from '../identity/canonical-json.ts';
import { isPlainJsonValue, plainConditionsJson } from '../identity/manifest-text.ts';
import { withRunContext } from './context-fallback.ts';
import { getDurability } from '../continuity/durability.ts';
import { RunHandedOffError } from '../continuity/errors.ts';
import {
  beginDurableRun,
  finishAttempt,
  finishAttemptAfterError,
  linkToAttempt,
  replayCompletedRun,
  seedBudget,
  startAttempt,
  type DurableSpec,
} from './durable.ts';
import { durableScope, runDurableStep, withDurableScope, type StepOptions } from './durable-step.ts';
import { findNameProblem, invalidArgument } from './argument-checks.ts';
import { getInstruments } from '../telemetry/instruments.ts';
import { markError } from '../telemetry/span-status.ts';
import { closeCall, openCall } from '../telemetry/open-calls.ts';
import { detectInputDrift } from '../drift/input-drift.ts';
import { coreTracer } from '../telemetry/scope.ts';
import { RunproofError } from '../errors.ts';
import {
  endRunSpan,
  getRunState,
  getStepPath,
  RUN_KEY,
  RunState,
  STEP_KEY,
  type Run,
  type RunContinuation,
  type RunOutcome,
} from './run-state.ts';
import { configuredPolicy, type BoundaryPolicy } from '../boundary/policy.ts';
import { capBytes } from '../telemetry/content.ts';
import { safely } from '../safely.ts';
import { getSettings } from '../settings.ts';
import { createRunId } from '../identity/run-id.ts';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_WORKFLOW_NAME,
  ATTR_RUNPROOF_MANIFEST,
  ATTR_RUNPROOF_MANIFEST_TRUNCATED,
  ATTR_RUNPROOF_OWNER_OPERATIONAL,
  ATTR_RUNPROOF_OWNER_TECHNICAL,
  ATTR_RUNPROOF_RUN_ATTEMPT,
  ATTR_RUNPROOF_RUN_CONTINUATION,
  ATTR_RUNPROOF_RUN_FINGERPRINT,
  ATTR_RUNPROOF_RUN_ID,
  ATTR_RUNPROOF_RUN_NAME,
  ATTR_RUNPROOF_RUN_OBSERVED_DIGEST,
  ATTR_RUNPROOF_RUN_OUTCOME,
  ATTR_RUNPROOF_RUN_PARENT_ID,
  ATTR_RUNPROOF_STEP_NAME,
  BAGGAGE_RUNPROOF_RUN_ID,
  EVENT_RUNPROOF_RUN_MANIFEST,
  GEN_AI_OPERATION_VALUE_INVOKE_WORKFLOW,
  SPAN_NAME_PREFIX_STEP,
  ATTR_RUNPROOF_RUN_STORE,
} from '../semconv.ts';

export type { Run, RunContinuation, RunOutcome };

/** What a run is. Pass a string for just a name. */
export interface RunSpec {
  /** Low-cardinality name of the workflow, e.g. `invoice-triage` (`ATTR_GEN_AI_WORKFLOW_NAME`). */
  name: string;
  /** Continue an existing run under its id (a retry, resume or handoff). Default: a new UUIDv7. */
  id?: string;
  /** 1-based attempt number. Default: 1. */
  attempt?: number;
  /** How this run relates to earlier ones. Default: `new`, or `resume` when `id` is given. */
  continuation?: RunContinuation;
  /** Who answers for the run (`runproof.owner.*`). */
  owners?: { technical?: string; operational?: string };
  /**
   * Extra declared conditions that belong in the run's fingerprint, such as a prompt version or a
   * dataset snapshot. Must be JSON-serializable.
   */
  conditions?: Record<string, unknown>;
  /**
   * The execution boundary of this run: allowed models and tools, call, token, cost, duration and
   * attempt budgets, and what to do when one is broken. Default: the policy `start({ policies })` or
   * the config file declared for this run name; none when neither did. Validated before the run
   * starts (a bad policy throws a `ConfigError`); its digest joins the run's fingerprint.
   */
  boundary?: BoundaryPolicy;
  /**
   * Keep the run's journal in the store (`start({ store })`, `RUNPROOF_STORE`, default a SQLite
   * file) so a retry, a crash or a handoff continues it: `run()` with the same `id` is the next
   * attempt, steps completed before return their journaled results instead of running again,
   * budgets count every attempt, and a completed run returns its journaled result without running.
   * Needs `id`. `{ by, input }` names who picks the run up (see `handoff()`). Default: false.
   */
  durable?: DurableSpec;
}

const CONTINUATIONS: readonly RunContinuation[] = ['new', 'retry', 'resume', 'handoff', 'fork'];

function tracer() {
  return coreTracer();
}

/**
 * Runs `fn` as a run: an `invoke_workflow {name}` span whose id, attempt and owners are attributes,
 * and whose fingerprint (a digest of everything the run was declared to execute under) is computed
 * from what the adapters report while it runs. Every span started inside carries `ATTR_RUNPROOF_RUN_ID`,
 * and the id travels to downstream services in W3C baggage. Returns (or throws) exactly what `fn`
 * does. Boundaries hold without `start()` too: when no OpenTelemetry context manager is registered,
 * the first run installs an AsyncLocalStorage one (context only; nothing is recorded), and a later
 * `start()` replaces it.
 *
 * @example
 * const verdict = await run({ name: 'invoice-triage', owners: { technical: 'ml-platform' } }, async () => {
 *   const fields = await step('extract', () => extract(invoice));
 *   return step('classify', () => classify(fields));
 * });
 *
 * @example
 * // Held to a boundary: a disallowed model or a fourth tool call throws a BoundaryViolationError before it is made.
 * await run({ name: 'invoice-triage', boundary: { allowedModels: ['gpt-4o-mini'], maxToolCalls: 3 } }, triage);
 */
export async function run<T>(spec: RunSpec | string, fn: (run: Run) => T | Promise<T>): Promise<T> {
  // Anything but a spec object is taken as the name, so `run(null)` is reported as a bad name.
  const resolved = resolveSpec(typeof spec === 'object' && spec !== null ? spec : { name: spec });
  const given = typeof spec === 'object' && spec !== null ? spec : undefined;
  const owners = given?.owners;
  const policy = given?.boundary ?? configuredPolicy(resolved.name);
  // A durable run is claimed only once everything that could refuse it has been checked.
  const durable = given?.durable
    ? await beginDurableRun({ id: resolved.id, name: resolved.name, owners, durable: given.durable, policy })
    : undefined;
  if (durable?.kind === 'completed') return replayCompletedRun(resolved, durable.header, owners) as T;
  const journal = durable?.run;
  const state = new RunState(
    journal === undefined ? resolved : { ...resolved, attempt: journal.attempt, continuation: journal.continuation },
  );
  state.durable = journal;
  state.boundary = attachPolicy(state, policy, state.startTime);
  const parent = context.active();
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_VALUE_INVOKE_WORKFLOW,
    [ATTR_GEN_AI_WORKFLOW_NAME]: state.name,
    [ATTR_RUNPROOF_RUN_ID]: state.id,
    [ATTR_RUNPROOF_RUN_NAME]: state.name,
    [ATTR_RUNPROOF_RUN_ATTEMPT]: state.attempt,
    [ATTR_RUNPROOF_RUN_CONTINUATION]: state.continuation,
  };
  const parentBaggage = propagation.getBaggage(parent);
  // The run this one was started inside, in this process or upstream (baggage): its parent, never its identity.
  const parentRunId = getRunState(parent)?.id ?? parentBaggage?.getEntry(BAGGAGE_RUNPROOF_RUN_ID)?.value;
  if (parentRunId !== undefined && parentRunId !== state.id) attributes[ATTR_RUNPROOF_RUN_PARENT_ID] = parentRunId;
  if (owners?.technical) attributes[ATTR_RUNPROOF_OWNER_TECHNICAL] = owners.technical;
  if (owners?.operational) attributes[ATTR_RUNPROOF_OWNER_OPERATIONAL] = owners.operational;
  if (journal !== undefined) attributes[ATTR_RUNPROOF_RUN_STORE] = getDurability().storeKind;
  state.span = tracer().startSpan(
    `${GEN_AI_OPERATION_VALUE_INVOKE_WORKFLOW} ${state.name}`,
    { kind: SpanKind.INTERNAL, attributes, links: linkToAttempt(journal?.previous) },
    parent,
  );
  // A process that ends mid-run (exit, crash, signal) still exports the run: failed, saying why.
  state.openAtExit = {
    endAtShutdown: () => {
      endRun(state, processEnded());
      state.durable?.releaseAtExit();
    },
  };
  openCall(state.openAtExit);
  if (journal !== undefined) seedBudget(state.boundary?.budget, journal.usage);

  const baggage = (parentBaggage ?? propagation.createBaggage()).setEntry(BAGGAGE_RUNPROOF_RUN_ID, {
    value: state.id,
  });
  let runContext = propagation.setBaggage(trace.setSpan(parent, state.span), baggage).setValue(RUN_KEY, state);
  if (state.boundary !== undefined) runContext = withRunBoundary(runContext, state.boundary);
  try {
    // Journaled before the attempt rule is checked: a halted attempt counts too.
    if (durable?.kind === 'execute') await startAttempt(state, durable);
    guardRunStart(state.boundary);
    const result = await withRunContext(runContext, fn, state);
    if (journal !== undefined) await finishAttempt(state, journal, 'completed', result);
    endRun(state, undefined);
    return result;
  } catch (error) {
    if (journal !== undefined) await finishAttemptAfterError(state, journal, error);
    endRun(state, error);
    throw error;
  }
}

/**
 * Runs `fn` as a named step of the current run: a `step {name}` span, the active context while `fn`
 * runs, so model and tool calls inside are attributed to the step in the run's manifest. Outside a
 * run it still makes the span. A name that is not a non-empty string of at most 256 characters
 * rejects with a `RunproofError` (`RUNPROOF_INVALID_ARGUMENT`), as `run()` and `checkpoint()` do.
 *
 * @example
 * const fields = await step('extract', () => extractFields(invoice));
 */
export async function step<T>(name: string, fn: () => T | Promise<T>, options: StepOptions = {}): Promise<T> {
  const nameProblem = findNameProblem(name);
  if (nameProblem !== undefined) throw invalidArgument('step()', [nameProblem]);
  if (options?.key !== undefined && (typeof options.key !== 'string' || options.key === ''))
    throw invalidArgument('step()', ['options.key must be a non-empty string']);
  const parent = context.active();
  const parentPath = getStepPath(parent);
  const path = parentPath === undefined ? name : `${parentPath}/${name}`;
  const span = tracer().startSpan(
    `${SPAN_NAME_PREFIX_STEP} ${name}`,
    { kind: SpanKind.INTERNAL, attributes: { [ATTR_RUNPROOF_STEP_NAME]: name } },
    parent,
  );
  const state = getRunState(parent);
  const durableKey = state?.durable?.nextKey(durableScope(parent), name, options.key);
  let stepContext = trace.setSpan(parent, span).setValue(STEP_KEY, path);
  if (durableKey !== undefined) stepContext = withDurableScope(stepContext, durableKey);
  const openAtExit = { endAtShutdown: () => endStep(span, processEnded()) };
  openCall(openAtExit);
  try {
    guardStep(getRunBoundary(parent), span);
    if (options.input !== undefined)
      detectInputDrift(span, { on: 'step', workflow: state?.name, step: path }, options.input);
    const execute = async () => context.with(stepContext, fn);
    const result =
      state?.durable === undefined || durableKey === undefined
        ? await execute()
        : await runDurableStep(state.durable, state, durableKey, span, options, execute);
    endStep(span, undefined);
    return result;
  } catch (error) {
    endStep(span, error);
    throw error;
  } finally {
    closeCall(openAtExit);
  }
}

function endStep(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  if (error !== undefined) markError(span, error);
  span.end();
}

/** What a run or step still open when the process ends is marked with. */
function processEnded(): RunproofError {
  return new RunproofError('RUNPROOF_PROCESS_ENDED', 'The process ended while this was in progress');
}

/**
 * The run the caller is inside, from anywhere below `run()`; `undefined` outside any run.
 *
 * @example
 * currentRun()?.id
 */
export function currentRun(): Run | undefined {
  return getRunState(context.active());
}

function resolveSpec(spec: RunSpec) {
  const problems: string[] = [];
  const nameProblem = findNameProblem(spec?.name);
  if (nameProblem !== undefined) problems.push(nameProblem);
  if (spec?.id !== undefined && (typeof spec.id !== 'string' || spec.id === ''))
    problems.push('id must be a non-empty string');
  if (spec?.attempt !== undefined && !(Number.isInteger(spec.attempt) && spec.attempt >= 1))
    problems.push('attempt must be an integer >= 1');
  if (spec?.continuation !== undefined && !CONTINUATIONS.includes(spec.continuation))
    problems.push(`continuation must be one of ${CONTINUATIONS.join(', ')}`);
  if (spec?.durable && spec.id === undefined)
    problems.push('a durable run needs an id (the id its later attempts continue)');
  if (
    typeof spec?.durable === 'object' &&
    spec.durable !== null &&
    spec.durable.by !== undefined &&
    (typeof spec.durable.by !== 'string' || spec.durable.by.trim() === '')
  )
    problems.push('durable.by must be a non-empty string');
  // Canonicalized once, to check them and for the manifest: the conditions as the run declared them.
  const conditions = spec?.conditions ?? {};
  let conditionsJson: string | undefined = '{}';
  if (spec?.conditions !== undefined) {
    try {
      if (isPlainJsonValue(conditions)) conditionsJson = plainConditionsJson(conditions);
      else {
        canonicalize(conditions);
        conditionsJson = undefined;
      }
    } catch (error) {
      problems.push(`conditions must be JSON-serializable (${(error as Error).message})`);
    }
  }
  if (problems.length > 0) throw invalidArgument('run()', problems);
  return {
    id: spec.id ?? createRunId(),
    name: spec.name,
    attempt: spec.attempt ?? 1,
    continuation: spec.continuation ?? (spec.id === undefined ? 'new' : 'resume'),
    conditions,
    conditionsJson,
  };
}

function endRun(state: RunState, error: unknown): void {
  if (state.ended) return;
  state.ended = true;
  if (state.openAtExit !== undefined) closeCall(state.openAtExit);
  safely('ending a run', undefined, () => {
    const span = state.span;
    const result: RunOutcome = state.outcomeOverride ?? (error === undefined ? 'completed' : 'failed');
    // A handoff ends the attempt on purpose: its outcome says so, and it is no error.
    if (error !== undefined && !RunHandedOffError.isInstance(error)) markError(span, error);
    const manifest = state.manifestRecord();
    span.setAttributes({
      [ATTR_RUNPROOF_RUN_OUTCOME]: result,
      [ATTR_RUNPROOF_RUN_FINGERPRINT]: manifest.fingerprint,
      [ATTR_RUNPROOF_RUN_OBSERVED_DIGEST]: manifest.observedDigest,
    });
    addManifestEvent(span, manifest.json);
    const metricAttributes = { [ATTR_RUNPROOF_RUN_NAME]: state.name, [ATTR_RUNPROOF_RUN_OUTCOME]: result };
    const instruments = getInstruments();
    instruments.runs.add(1, metricAttributes);
    instruments.runDuration.record((performance.now() - state.startTime) / 1000, metricAttributes);
    endRunSpan(state);
  });
}

function addManifestEvent(span: Span, json: string): void {
  const limit = getSettings().manifestMaxBytes;
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most manifests are known to fit without counting.
  const truncated = json.length * 3 > limit && Buffer.byteLength(json) > limit;
  span.addEvent(EVENT_RUNPROOF_RUN_MANIFEST, {
    [ATTR_RUNPROOF_MANIFEST]: truncated ? capBytes(json, limit) : json,
    [ATTR_RUNPROOF_MANIFEST_TRUNCATED]: truncated,
  });
}
