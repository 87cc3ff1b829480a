import { hostname } from 'node:os';
import { metrics, SpanKind, type Attributes, type Link, type MeterProvider, type Span } from '@opentelemetry/api';
import type { RunBudget } from '../boundary/budget.ts';
import { DurableRun, type DurableStart } from '../continuity/durable-run.ts';
import { getDurability } from '../continuity/durability.ts';
import { RunHandedOffError, StoreUnavailableError } from '../continuity/errors.ts';
import { RunproofError } from '../errors.ts';
import type { AttemptRecord, RunHeader, RunStore, RunUsage, StepRecord } from '../continuity/journal.ts';
import { waitingHandoff } from '../continuity/runs-listing.ts';
import { decodeResult, encodeResult } from '../continuity/step-results.ts';
import { digest } from '../identity/canonical-json.ts';
import type { RunOutcome } from '../identity/run-handle.ts';
import { safely } from '../safely.ts';
import { getInstruments } from '../telemetry/instruments.ts';
import { coreTracer, SCOPE_OPTIONS } from '../telemetry/scope.ts';
import { VERSION } from '../version.ts';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_WORKFLOW_NAME,
  ATTR_RUNPROOF_HANDOFF_TARGET,
  ATTR_RUNPROOF_OWNER_OPERATIONAL,
  ATTR_RUNPROOF_OWNER_TECHNICAL,
  ATTR_RUNPROOF_RUN_ATTEMPT,
  ATTR_RUNPROOF_RUN_CONTINUATION,
  ATTR_RUNPROOF_RUN_ID,
  ATTR_RUNPROOF_RUN_NAME,
  ATTR_RUNPROOF_RUN_OUTCOME,
  ATTR_RUNPROOF_RUN_REPLAYED,
  ATTR_RUNPROOF_RUN_STORE,
  GEN_AI_OPERATION_VALUE_INVOKE_WORKFLOW,
  METRIC_RUNPROOF_HANDOFFS_WAITING,
  RUN_CONTINUATION_VALUE_RESUME,
  RUN_OUTCOME_VALUE_COMPLETED,
  ATTR_RUNPROOF_STEP_DIVERGED,
  ATTR_RUNPROOF_STEP_INPUT_DIGEST,
  ATTR_RUNPROOF_STEP_KEY,
  ATTR_RUNPROOF_STEP_RECORDED_INPUT_DIGEST,
  ATTR_RUNPROOF_STEP_REPLAYED,
  EVENT_RUNPROOF_STEP_DIVERGED,
} from '../semconv.ts';
import type { RunState } from './run-state.ts';

/**
 * Durability of a run: `true` for the defaults, or who is picking it up. `by` names the executor; when
 * it is the target of the handoff the run waits on, this attempt takes the handoff over
 * (continuation `handoff`) and `handoff()` returns `input`.
 */
export type DurableSpec = boolean | { by?: string; input?: unknown };

/**
 * Claims a durable run in the store before anything of it runs. Throws `StoreUnavailableError` or
 * `RunInProgressError`; a bad store URL is a `ConfigError`.
 */
export async function beginDurableRun(spec: { id: string; name: string; owners: RunHeader['owners']; durable: DurableSpec }): Promise<DurableStart> {
  const durability = getDurability();
  const by = typeof spec.durable === 'object' ? spec.durable.by : undefined;
  let store: RunStore;
  try {
    store = await durability.store();
  } catch (error) {
    if (RunproofError.isInstance(error)) throw error;
    throw new StoreUnavailableError(durability.storeName, error);
  }
  const started = await DurableRun.begin({
    store,
    storeName: durability.storeName,
    runId: spec.id,
    name: spec.name,
    executor: by ?? `${hostname()}:${process.pid}`,
    namedExecutor: by !== undefined,
    owners: spec.owners,
    leaseMs: durability.leaseMs,
  });
  removeExpiredSoon(store.kind, () => store.removeCompleted(Date.now() - durability.retentionMs));
  watchWaitingHandoffs(store);
  return started;
}

/** The result a completed run journaled, as its caller gets it back. */
export function journaledResult(stored: string | undefined): unknown {
  return stored === undefined ? undefined : decodeResult(stored, getDurability().codec);
}

/** The link from an attempt's run span to the previous attempt's. */
export function linkToAttempt(previous: AttemptRecord | undefined): Link[] {
  return previous === undefined ? [] : [{ context: { traceId: previous.traceId, spanId: previous.spanId, traceFlags: 1, isRemote: true } }];
}

/** What the run has used against its boundary, over every attempt, as the journal keeps it. */
export function usageOf(budget: RunBudget | undefined): RunUsage | undefined {
  if (budget === undefined) return undefined;
  return {
    modelCalls: budget.modelCalls,
    toolCalls: budget.toolCalls,
    toolCallsByName: Object.fromEntries(budget.toolCallsByName),
    tokens: budget.usedTokens,
    costUsd: budget.usedCostUsd,
  };
}

/** Starts a new attempt's budget from what earlier attempts used, so a retry cannot spend it twice. */
export function seedBudget(budget: RunBudget | undefined, usage: RunUsage): void {
  if (budget === undefined) return;
  budget.modelCalls += usage.modelCalls;
  budget.toolCalls += usage.toolCalls;
  for (const [tool, count] of Object.entries(usage.toolCallsByName)) budget.toolCallsByName.set(tool, (budget.toolCallsByName.get(tool) ?? 0) + count);
  budget.usedTokens += usage.tokens;
  budget.usedCostUsd += usage.costUsd;
}

/** Ends the attempt in the journal: the run's result when it completed, else its outcome. */
export async function finishAttempt(state: RunState, durable: DurableRun, outcome: RunOutcome, result: unknown): Promise<void> {
  const stored = outcome === 'completed' ? encodeResult('(the run\'s result)', result, getDurability().codec) : undefined;
  await durable.finish(outcome, stored, usageOf(state.boundary?.budget));
}

/**
 * Records the attempt's start in the journal with its run span. When the attempt picks up a
 * handoff, what its executor passed is journaled for `handoff()` to return, and the wait is measured.
 */
export async function startAttempt(state: RunState, durable: DurableRun, spec: DurableSpec | undefined): Promise<void> {
  const input = typeof spec === 'object' ? spec.input : undefined;
  state.handoffInput = input;
  const stored = durable.pickedUp === undefined || input === undefined ? undefined : encodeResult('(the handoff input)', input, getDurability().codec);
  const { traceId, spanId } = state.span.spanContext();
  await durable.startAttempt(traceId, spanId, stored);
  const picked = durable.pickedUp;
  if (picked !== undefined) {
    getInstruments().handoffWait.record((Date.now() - picked.at) / 1000, { [ATTR_RUNPROOF_RUN_NAME]: state.name, [ATTR_RUNPROOF_HANDOFF_TARGET]: picked.to });
  }
}

/**
 * Ends an attempt that threw: `handed_off` for its own handoff, else the outcome its boundary set,
 * else `failed`. A store failure here is only logged: the run's own error is what its caller must
 * see, and the lease expires so a later attempt resumes it.
 */
export async function finishAttemptAfterError(state: RunState, durable: DurableRun, error: unknown): Promise<void> {
  const outcome: RunOutcome = RunHandedOffError.isInstance(error) && error.runId === state.id ? 'handed_off' : (state.outcomeOverride ?? 'failed');
  try {
    await durable.finish(outcome, undefined, usageOf(state.boundary?.budget));
  } catch (writeError) {
    durable.abandon();
    safely('recording the end of a failed durable attempt', undefined, () => {
      throw writeError;
    });
  }
}

/**
 * A run that completed before, run again (a duplicated job delivery): nothing executes; a run span
 * says so (`ATTR_RUNPROOF_RUN_REPLAYED`) and the journaled result is returned.
 */
export function replayCompletedRun(spec: { id: string; name: string }, header: RunHeader, owners: RunHeader['owners']): unknown {
  const last = header.attempts.at(-1);
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_VALUE_INVOKE_WORKFLOW,
    [ATTR_GEN_AI_WORKFLOW_NAME]: spec.name,
    [ATTR_RUNPROOF_RUN_ID]: spec.id,
    [ATTR_RUNPROOF_RUN_NAME]: spec.name,
    [ATTR_RUNPROOF_RUN_ATTEMPT]: last?.attempt ?? 1,
    [ATTR_RUNPROOF_RUN_CONTINUATION]: RUN_CONTINUATION_VALUE_RESUME,
    [ATTR_RUNPROOF_RUN_STORE]: getDurability().storeKind,
    [ATTR_RUNPROOF_RUN_REPLAYED]: true,
    [ATTR_RUNPROOF_RUN_OUTCOME]: RUN_OUTCOME_VALUE_COMPLETED,
  };
  if (owners?.technical) attributes[ATTR_RUNPROOF_OWNER_TECHNICAL] = owners.technical;
  if (owners?.operational) attributes[ATTR_RUNPROOF_OWNER_OPERATIONAL] = owners.operational;
  const span = coreTracer().startSpan(`${GEN_AI_OPERATION_VALUE_INVOKE_WORKFLOW} ${spec.name}`, { kind: SpanKind.INTERNAL, attributes, links: linkToAttempt(last) });
  try {
    return journaledResult(header.result);
  } finally {
    span.end();
  }
}

/** Options of `step()`. */
export interface StepOptions {
  /**
   * The step's declared input. Its structure (keys and types, never values) is compared with the
   * step's baseline: a change is `input_shape` drift on the step's span. In durable runs its digest
   * is journaled with the result, and a later attempt whose input differs runs the step again
   * (`ATTR_RUNPROOF_STEP_DIVERGED`) instead of replaying a stale result. Must be JSON-serializable.
   * Default: none (no input drift; a completed step replays).
   */
  input?: unknown;
}

/**
 * A step of a durable run: replayed from the journal when an earlier attempt completed it (a span
 * that links to the one it ran in, nothing executed), else executed and its result journaled
 * before it is returned.
 */
export async function runDurableStep<T>(
  durable: DurableRun,
  state: RunState,
  path: string,
  span: Span,
  options: StepOptions,
  execute: () => Promise<T>,
): Promise<T> {
  const key = durable.nextKey(path);
  const inputDigest = options.input === undefined ? undefined : digest(options.input);
  span.setAttribute(ATTR_RUNPROOF_STEP_KEY, key);
  if (inputDigest !== undefined) span.setAttribute(ATTR_RUNPROOF_STEP_INPUT_DIGEST, inputDigest);
  const found = durable.find(key, inputDigest);
  if (found?.kind === 'replay') return replay(found.step, span);
  if (found?.kind === 'diverged') {
    span.setAttribute(ATTR_RUNPROOF_STEP_DIVERGED, true);
    span.addEvent(EVENT_RUNPROOF_STEP_DIVERGED, { [ATTR_RUNPROOF_STEP_RECORDED_INPUT_DIGEST]: found.step.inputDigest ?? '', [ATTR_RUNPROOF_STEP_INPUT_DIGEST]: inputDigest ?? '' });
  }
  const result = await execute();
  const stored = encodeResult(key, result, getDurability().codec);
  const { traceId, spanId } = span.spanContext();
  await durable.recordStep({ key, result: stored, inputDigest, traceId, spanId }, usageOf(state.boundary?.budget));
  return result;
}

function replay<T>(step: StepRecord, span: Span): T {
  span.setAttribute(ATTR_RUNPROOF_STEP_REPLAYED, true);
  span.addLink({ context: { traceId: step.traceId, spanId: step.spanId, traceFlags: 1, isRemote: true } });
  return decodeResult(step.result, getDurability().codec) as T;
}

const watched = new WeakMap<RunStore, MeterProvider>();

/**
 * The `METRIC_RUNPROOF_HANDOFFS_WAITING` gauge: runs handed off and not yet picked up, by run name and
 * target, read from the store at each metric collection (so every process that uses the store
 * reports the same fleet-wide count). Registered once per store and meter provider.
 */
function watchWaitingHandoffs(store: RunStore): void {
  const provider = metrics.getMeterProvider();
  if (watched.get(store) === provider) return;
  watched.set(store, provider);
  const gauge = provider.getMeter('@runproof/core', VERSION, SCOPE_OPTIONS).createObservableGauge(METRIC_RUNPROOF_HANDOFFS_WAITING, {
    description: 'Durable runs waiting on a handoff, by run name and target (fleet-wide, from the run store).',
    unit: '{run}',
  });
  gauge.addCallback(async (result) => {
    const counts = new Map<string, { name: string; target: string; count: number }>();
    for (const header of await store.list({ status: 'handed_off', limit: 10_000 })) {
      const target = waitingHandoff(header)?.to ?? '';
      const key = `${header.name}\u0000${target}`;
      const entry = counts.get(key) ?? { name: header.name, target, count: 0 };
      entry.count += 1;
      counts.set(key, entry);
    }
    for (const { name, target, count } of counts.values()) result.observe(count, { [ATTR_RUNPROOF_RUN_NAME]: name, [ATTR_RUNPROOF_HANDOFF_TARGET]: target });
  });
}

const lastCleanup = new Map<string, number>();

/** Retention: at most once an hour per store kind and process, completed journals past it are removed, off the run's path. */
function removeExpiredSoon(kind: string, remove: () => Promise<number>): void {
  const now = Date.now();
  if (now - (lastCleanup.get(kind) ?? 0) < 3600_000) return;
  lastCleanup.set(kind, now);
  setImmediate(() => void remove().catch((error: unknown) => safely('removing expired run journals', undefined, () => { throw error; })));
}
