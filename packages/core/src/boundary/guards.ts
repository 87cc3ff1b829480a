import { context, type Context, type Span } from '@opentelemetry/api';
import { costOf, findPrice, type Reservation } from './budget.ts';
import type { BoundaryViolation } from '../errors.ts';
import { findBestMatch, matchesGlob } from './glob.ts';
import type { Run } from '../identity/run-handle.ts';
import { getRunBoundary, RunBoundary } from './run-boundary.ts';
import { applyDecision, type Finding } from './decision.ts';
import {
  BOUNDARY_RULES,
  resolvePolicy,
  type BoundaryDecision,
  type BoundaryPolicy,
  type BoundaryRuleField,
} from './policy.ts';
import { safely, warnOnce } from '../safely.ts';
import { ATTR_RUNPROOF_USAGE_ESTIMATED } from '../semconv.ts';
import { estimateTokens, usedTokens, type ModelCallUsage } from './usage-estimate.ts';

/** What a model call is about to ask for, as {@link guardModelCall} needs it. */
export interface ModelCallRequest {
  /** The requested model (`ATTR_GEN_AI_REQUEST_MODEL`). */
  model: string;
  /** The request's output ceiling (`max_tokens`, `max_completion_tokens`, `max_output_tokens`), when set. */
  maxOutputTokens?: number;
  /** The adapter's own estimate of the input tokens, reserved with the ceiling. Default: the tokens of `inputText`. */
  estimatedInputTokens?: number;
  /**
   * The text the model reads (messages, instructions, tool definitions) as one string. Called at
   * most once, before the call, and only in a run with a token or cost budget: its tokens are
   * reserved with the ceiling (a call whose input alone would break the budget is refused before
   * it is sent), and stand for the input when the provider reports no usage. Default: no input counted.
   */
  inputText?: () => string;
}

/** What a tool call is about to run, as {@link guardToolCall} needs it. */
export interface ToolCallRequest {
  /** The tool's name (`ATTR_GEN_AI_TOOL_NAME`). */
  tool: string;
}

/** The pass a guard hands out for a call it let through. */
export interface BoundaryTicket {
  /** `allow`, or the decision of the broken rule when it was `record` or `escalate`. */
  readonly decision: BoundaryDecision;
  /**
   * Whether the call's usage counts against a token or cost budget: an adapter then keeps what an
   * estimate needs should the provider not report usage (a stream's text). Not for tool calls.
   */
  readonly countsUsage: boolean;
  /**
   * Call once when the call is over: with what it used once it answered (counts the provider did
   * not report are estimated, see {@link ModelCallUsage}), with nothing when it failed before
   * answering (nothing used). Gives back the reservation, counts the usage and checks the budgets
   * again. Never throws; later calls are ignored.
   */
  settle(usage?: ModelCallUsage): void;
}

/**
 * For adapters: whether calls made in `callContext` are held to a boundary (their run has a
 * policy). Without one, {@link guardModelCall} allows at once and its ticket's `settle` does
 * nothing, so an adapter can skip describing the call and its usage.
 *
 * @example
 * const ticket = isGuarded(callContext) ? guardModelCall({ model, maxOutputTokens }, span, callContext) : undefined;
 */
export function isGuarded(callContext: Context = context.active()): boolean {
  return getRunBoundary(callContext) !== undefined;
}

const ALLOW_TICKET: BoundaryTicket = Object.freeze({ decision: 'allow', countsUsage: false, settle() {} });

/**
 * For adapters: checks a model call against the current run's policy *before* it is made, and
 * reserves its token and cost ceiling. Outside a run, or in a run without a policy, it returns at
 * once with `allow` and records nothing. When a broken rule's decision is `halt`, it marks `span`
 * (status ERROR, `ATTR_ERROR_TYPE`) and throws a `BoundaryViolationError`: do not make the call; end the
 * span as for any error and let the error reach the caller. Otherwise it records the decision on
 * `span` and returns a ticket to settle when the call is over.
 *
 * @example
 * const ticket = guardModelCall({ model: body.model, maxOutputTokens: body.max_completion_tokens ?? body.max_tokens, inputText: () => textOf(body.messages) }, span);
 * try {
 *   const response = await original(body);
 *   ticket.settle({ inputTokens: response.usage?.prompt_tokens, outputTokens: response.usage?.completion_tokens, model: response.model, outputText: () => textOf(response.choices) });
 *   return response;
 * } catch (error) {
 *   ticket.settle();
 *   throw error;
 * }
 */
export function guardModelCall(
  request: ModelCallRequest,
  span?: Span,
  callContext: Context = context.active(),
): BoundaryTicket {
  const state = getRunBoundary(callContext);
  if (state === undefined) return ALLOW_TICKET;
  const evaluated = safely('checking a model call against its boundary', undefined, () =>
    evaluateModelCall(state, request),
  );
  if (evaluated === undefined) return ALLOW_TICKET;
  const decision = applyDecision(state, evaluated.findings, span);
  const budget = state.budget;
  budget.modelCalls += 1;
  budget.reserve(evaluated.reservation);
  let settled = false;
  return {
    decision,
    countsUsage: evaluated.countsUsage,
    settle(usage) {
      if (settled) return;
      settled = true;
      safely('settling a model call against its boundary', undefined, () =>
        settleModelCall(state, request, evaluated, usage, span, decision),
      );
    },
  };
}

/**
 * For adapters and {@link tool}: checks a tool call against the current run's policy before the tool
 * runs (allowed tools, total and per-tool call limits, the run deadline). Same contract as
 * {@link guardModelCall}: `allow` at once without a policy; `halt` marks `span` and throws a
 * `BoundaryViolationError` before the tool runs.
 *
 * @example
 * const ticket = guardToolCall({ tool: 'lookup_vendor' }, span);
 * try { return await lookupVendor(args); } finally { ticket.settle(); }
 */
export function guardToolCall(
  request: ToolCallRequest,
  span?: Span,
  callContext: Context = context.active(),
): BoundaryTicket {
  const state = getRunBoundary(callContext);
  if (state === undefined) return ALLOW_TICKET;
  const findings = safely('checking a tool call against its boundary', undefined, () =>
    evaluateToolCall(state, request.tool),
  );
  if (findings === undefined) return ALLOW_TICKET;
  const decision = applyDecision(state, findings, span);
  state.budget.countTool(request.tool);
  return decision === 'allow' ? ALLOW_TICKET : { decision, countsUsage: false, settle() {} };
}

/**
 * Makes the boundary of a run from its policy: the one given to `run()`, else the one `start()` declared for the run
 * name. Validates it (a bad policy throws a `ConfigError` before the run starts); none without a policy.
 */
export function attachPolicy(run: Run, policy: BoundaryPolicy | undefined, startTime: number): RunBoundary | undefined {
  if (policy === undefined) return undefined;
  return new RunBoundary(run, resolvePolicy(policy, run.name), startTime);
}

/** Checks the attempt rule when a run starts; records on the run span, throws on `halt`. */
export function guardRunStart(state: RunBoundary | undefined): void {
  if (state === undefined) return;
  const limit = state.policy.policy.maxAttempts;
  const findings: Finding[] = [];
  if (limit !== undefined && state.run.attempt > limit)
    findings.push(
      finding(
        state,
        'maxAttempts',
        limit,
        state.run.attempt,
        `attempt ${state.run.attempt} is past the limit of ${limit} attempts`,
      ),
    );
  applyDecision(state, findings, state.run.span);
}

/** Checks a step before it runs: not after a halt, not past the deadline. Throws on `halt`. */
export function guardStep(state: RunBoundary | undefined, span: Span): void {
  if (state === undefined) return;
  const findings = safely('checking a step against its boundary', [], () => haltedOrLate(state) ?? []);
  applyDecision(state, findings, span);
}

/** What a guard found for a model call, and what it holds of the budgets until the call settles. */
interface ModelCallEvaluation {
  findings: Finding[];
  reservation: Reservation;
  /** Whether the run has a token or cost budget. */
  countsUsage: boolean;
  /** The input tokens reserved: the adapter's estimate, else counted from the request's text. */
  inputEstimate: number;
}

function evaluateModelCall(state: RunBoundary, request: ModelCallRequest): ModelCallEvaluation {
  const reservation: Reservation = { tokens: 0, costUsd: 0 };
  const policy = state.policy.policy;
  const countsUsage = policy.maxTotalTokens !== undefined || policy.maxCostUsd !== undefined;
  const blocked = haltedOrLate(state);
  if (blocked !== undefined) return { findings: blocked, reservation, countsUsage, inputEstimate: 0 };
  const budget = state.budget;
  const findings: Finding[] = [];
  const { model } = request;
  if (policy.allowedModels !== undefined && !policy.allowedModels.some((pattern) => matchesGlob(pattern, model))) {
    findings.push(
      finding(
        state,
        'allowedModels',
        policy.allowedModels.join(', '),
        model,
        `model "${model}" is not in the allowed models (${policy.allowedModels.join(', ')})`,
      ),
    );
  }
  if (policy.maxModelCalls !== undefined && budget.modelCalls + 1 > policy.maxModelCalls) {
    findings.push(
      finding(
        state,
        'maxModelCalls',
        policy.maxModelCalls,
        budget.modelCalls + 1,
        `model call ${budget.modelCalls + 1} is over the limit of ${policy.maxModelCalls}`,
      ),
    );
  }
  const inputTokens = countsUsage ? nonNegative(request.estimatedInputTokens ?? countInput(request)) : 0;
  const outputTokens = nonNegative(request.maxOutputTokens);
  reservation.tokens = inputTokens + outputTokens;
  if (policy.maxTotalTokens !== undefined) {
    // A call uses at least one token, so a spent budget stops even a call with no ceiling.
    const projected = budget.usedTokens + budget.reservedTokens + Math.max(reservation.tokens, 1);
    if (projected > policy.maxTotalTokens) {
      findings.push(
        finding(
          state,
          'maxTotalTokens',
          policy.maxTotalTokens,
          projected,
          `the call could bring the run to ${projected} tokens (used ${budget.usedTokens}, in flight ${budget.reservedTokens}, this call up to ${reservation.tokens}), over the limit of ${policy.maxTotalTokens}`,
        ),
      );
    }
  }
  if (policy.maxCostUsd !== undefined) {
    const price = priceOrWarn(state, model);
    reservation.costUsd = price === undefined ? 0 : costOf(price, inputTokens, outputTokens);
    const spent = budget.usedCostUsd + budget.reservedCostUsd;
    const projected = roundUsd(spent + reservation.costUsd);
    if (
      projected > policy.maxCostUsd ||
      (price !== undefined && reservation.costUsd === 0 && spent >= policy.maxCostUsd)
    ) {
      findings.push(
        finding(
          state,
          'maxCostUsd',
          policy.maxCostUsd,
          projected,
          `the call could bring the run to $${projected}, over the limit of $${policy.maxCostUsd}`,
        ),
      );
    }
  }
  return { findings, reservation, countsUsage, inputEstimate: inputTokens };
}

function countInput(request: ModelCallRequest): number {
  return request.inputText === undefined ? 0 : estimateTokens(request.inputText());
}

function evaluateToolCall(state: RunBoundary, tool: string): Finding[] {
  const blocked = haltedOrLate(state);
  if (blocked !== undefined) return blocked;
  const policy = state.policy.policy;
  const budget = state.budget;
  const findings: Finding[] = [];
  if (policy.allowedTools !== undefined && !policy.allowedTools.some((pattern) => matchesGlob(pattern, tool))) {
    findings.push(
      finding(
        state,
        'allowedTools',
        policy.allowedTools.join(', '),
        tool,
        `tool "${tool}" is not in the allowed tools (${policy.allowedTools.join(', ')})`,
      ),
    );
  }
  if (policy.maxToolCalls !== undefined && budget.toolCalls + 1 > policy.maxToolCalls) {
    findings.push(
      finding(
        state,
        'maxToolCalls',
        policy.maxToolCalls,
        budget.toolCalls + 1,
        `tool call ${budget.toolCalls + 1} is over the limit of ${policy.maxToolCalls} tool calls`,
      ),
    );
  }
  if (policy.maxToolCallsPerTool !== undefined) {
    const key = Object.hasOwn(policy.maxToolCallsPerTool, tool)
      ? tool
      : findBestMatch(Object.keys(policy.maxToolCallsPerTool), tool);
    const limit = key === undefined ? undefined : policy.maxToolCallsPerTool[key];
    const count = (budget.toolCallsByName.get(tool) ?? 0) + 1;
    if (limit !== undefined && count > limit)
      findings.push(
        finding(
          state,
          'maxToolCallsPerTool',
          limit,
          count,
          `call ${count} of tool "${tool}" is over its limit of ${limit}`,
        ),
      );
  }
  return findings;
}

function settleModelCall(
  state: RunBoundary,
  request: ModelCallRequest,
  evaluation: ModelCallEvaluation,
  usage: ModelCallUsage | undefined,
  span: Span | undefined,
  previous: BoundaryDecision,
): void {
  const policy = state.policy.policy;
  const budget = state.budget;
  const { inputTokens, outputTokens, estimated } = usedTokens(
    usage,
    evaluation.countsUsage ? evaluation.inputEstimate : undefined,
  );
  if (estimated) span?.setAttribute(ATTR_RUNPROOF_USAGE_ESTIMATED, true);
  const price =
    policy.maxCostUsd === undefined
      ? undefined
      : (findPrice(policy.prices, usage?.model ?? request.model) ?? findPrice(policy.prices, request.model));
  budget.settle(
    evaluation.reservation,
    inputTokens + outputTokens,
    price === undefined ? 0 : costOf(price, inputTokens, outputTokens),
  );
  if (state.haltedBy !== undefined) return;
  // Usage beyond what was reserved (no ceiling, or an input estimate too low) shows only now: record
  // it on the call's span; a `halt` cannot stop a call already made, so it stops the next one.
  const findings: Finding[] = [];
  if (policy.maxTotalTokens !== undefined && budget.usedTokens > policy.maxTotalTokens) {
    findings.push(
      finding(
        state,
        'maxTotalTokens',
        policy.maxTotalTokens,
        budget.usedTokens,
        `the run used ${budget.usedTokens} tokens, over the limit of ${policy.maxTotalTokens}`,
      ),
    );
  }
  if (policy.maxCostUsd !== undefined && budget.usedCostUsd > policy.maxCostUsd) {
    findings.push(
      finding(
        state,
        'maxCostUsd',
        policy.maxCostUsd,
        roundUsd(budget.usedCostUsd),
        `the run spent $${roundUsd(budget.usedCostUsd)}, over the limit of $${policy.maxCostUsd}`,
      ),
    );
  }
  if (findings.length > 0) applyDecision(state, findings, span, { afterCall: true, previous });
}

/** A run already halted refuses everything; past its deadline it starts nothing new. */
function haltedOrLate(state: RunBoundary): Finding[] | undefined {
  if (state.haltedBy !== undefined) return [{ violation: state.haltedBy, repeated: true }];
  const limit = state.policy.policy.maxDurationMs;
  if (limit === undefined) return undefined;
  const elapsed = Math.round(performance.now() - state.startTime);
  if (elapsed <= limit) return undefined;
  return [
    finding(
      state,
      'maxDurationMs',
      limit,
      elapsed,
      `the run has been going for ${elapsed} ms, past its limit of ${limit} ms`,
    ),
  ];
}

function finding(
  state: RunBoundary,
  field: BoundaryRuleField,
  limit: number | string,
  observed: number | string,
  detail: string,
): Finding {
  const policy = state.policy;
  const decision = policy.decisions[field];
  const violation: BoundaryViolation = {
    policy: policy.name,
    rule: BOUNDARY_RULES[field].rule,
    decision,
    limit,
    observed,
    runId: state.run.id,
    message: `Boundary "${policy.name}" (${BOUNDARY_RULES[field].rule}, ${decision}): ${detail}`,
  };
  return { violation, repeated: false };
}

function priceOrWarn(state: RunBoundary, model: string) {
  const price = findPrice(state.policy.policy.prices, model);
  if (price === undefined)
    warnOnce(
      `price:${state.policy.name}:${model}`,
      `runproof: policy "${state.policy.name}" has no price for model "${model}"; its cost is not counted against maxCostUsd`,
    );
  return price;
}

function nonNegative(value: number | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

function roundUsd(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
