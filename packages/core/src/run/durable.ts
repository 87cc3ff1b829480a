import { hostname } from 'node:os';
import { SpanKind, type Attributes, type Link } from '@opentelemetry/api';
import type { RunBudget } from '../boundary/budget.ts';
import { resolvePolicy, type BoundaryPolicy } from '../boundary/policy.ts';
import { DurableRun, type DurableStart } from '../continuity/durable-run.ts';
import { removeExpiredSoon, watchWaitingHandoffs } from './durable-upkeep.ts';
import { getDurability } from '../continuity/durability.ts';
import { RunHandedOffError, StoreUnavailableError } from '../continuity/errors.ts';
import { RunproofError } from '../errors.ts';
import type { AttemptRecord, RunHeader, RunStore, RunUsage } from '../continuity/journal.ts';
import { decodeResult, encodeResult } from '../continuity/step-results.ts';
import type { RunOutcome } from '../identity/run-handle.ts';
import { safely } from '../safely.ts';
import { getInstruments } from '../telemetry/instruments.ts';
import { coreTracer } from '../telemetry/scope.ts';
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
  RUN_CONTINUATION_VALUE_RESUME,
  RUN_OUTCOME_VALUE_COMPLETED,
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
export async function beginDurableRun(spec: {
  id: string;
  name: string;
  owners: RunHeader['owners'];
  durable: DurableSpec;
  policy: BoundaryPolicy | undefined;
}): Promise<DurableStartWithInput> {
  const durability = getDurability();
  const by = typeof spec.durable === 'object' ? spec.durable.by : undefined;
  // What could refuse the run is checked before it is claimed: a claim left behind would hold it for a lease.
  if (spec.policy !== undefined) resolvePolicy(spec.policy, spec.name);
  const input =
    typeof spec.durable === 'object' && spec.durable.input !== undefined
      ? encodeResult('(the handoff input)', spec.durable.input, durability.codec)
      : undefined;
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
  removeExpiredSoon(store, durability.retentionMs);
  watchWaitingHandoffs(store);
  return started.kind === 'execute' ? { ...started, handoffInput: input } : started;
}

/** A claim to execute, with what its executor passes to the handoff it may pick up (as stored). */
export type DurableStartWithInput =
  (DurableStart & { kind: 'completed' }) | { kind: 'execute'; run: DurableRun; handoffInput: string | undefined };

/** The result a completed run journaled, as its caller gets it back. */
export function journaledResult(stored: string | undefined): unknown {
  return stored === undefined ? undefined : decodeResult(stored, getDurability().codec);
}

/** The link from an attempt's run span to the previous attempt's. */
export function linkToAttempt(previous: AttemptRecord | undefined): Link[] {
  return previous === undefined
    ? []
    : [{ context: { traceId: previous.traceId, spanId: previous.spanId, traceFlags: 1, isRemote: true } }];
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
  for (const [tool, count] of Object.entries(usage.toolCallsByName))
    budget.toolCallsByName.set(tool, (budget.toolCallsByName.get(tool) ?? 0) + count);
  budget.usedTokens += usage.tokens;
  budget.usedCostUsd += usage.costUsd;
}

/** Ends the attempt in the journal: the run's result when it completed, else its outcome. */
export async function finishAttempt(
  state: RunState,
  durable: DurableRun,
  outcome: RunOutcome,
  result: unknown,
): Promise<void> {
  const stored =
    outcome === 'completed' ? encodeResult("(the run's result)", result, getDurability().codec) : undefined;
  await durable.finish(outcome, stored, usageOf(state.boundary?.budget));
}

/**
 * Records the attempt's start in the journal with its run span. When the attempt picks up a
 * handoff, what its executor passed is journaled for `handoff()` to return, and the wait is measured.
 */
export async function startAttempt(
  state: RunState,
  claimed: { run: DurableRun; handoffInput: string | undefined },
): Promise<void> {
  const durable = claimed.run;
  const { traceId, spanId } = state.span.spanContext();
  durable.usageNow = () => usageOf(state.boundary?.budget);
  await durable.startAttempt(traceId, spanId, durable.pickedUp === undefined ? undefined : claimed.handoffInput);
  const picked = durable.pickedUp;
  if (picked !== undefined) {
    getInstruments().handoffWait.record((Date.now() - picked.at) / 1000, {
      [ATTR_RUNPROOF_RUN_NAME]: state.name,
      [ATTR_RUNPROOF_HANDOFF_TARGET]: picked.to,
    });
  }
}

/**
 * Ends an attempt that threw: `handed_off` for its own handoff, else the outcome its boundary set,
 * else `failed`. A store failure here is only logged: the run's own error is what its caller must
 * see, and the lease expires so a later attempt resumes it.
 */
export async function finishAttemptAfterError(state: RunState, durable: DurableRun, error: unknown): Promise<void> {
  const outcome: RunOutcome =
    RunHandedOffError.isInstance(error) && error.runId === state.id
      ? 'handed_off'
      : (state.outcomeOverride ?? 'failed');
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
export function replayCompletedRun(
  spec: { id: string; name: string },
  header: RunHeader,
  owners: RunHeader['owners'],
): unknown {
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
  const span = coreTracer().startSpan(`${GEN_AI_OPERATION_VALUE_INVOKE_WORKFLOW} ${spec.name}`, {
    kind: SpanKind.INTERNAL,
    attributes,
    links: linkToAttempt(last),
  });
  try {
    return journaledResult(header.result);
  } finally {
    span.end();
  }
}
