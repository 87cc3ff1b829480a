import { SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import { BoundaryViolationError, type BoundaryViolation } from '../errors.ts';
import { getInstruments } from '../telemetry/instruments.ts';
import type { RunBoundary } from './run-boundary.ts';
import type { BoundaryDecision } from './policy.ts';
import { safely } from '../safely.ts';
import {
  ATTR_ERROR_TYPE,
  ATTR_RUNPROOF_BOUNDARY_DECISION,
  ATTR_RUNPROOF_BOUNDARY_LIMIT,
  ATTR_RUNPROOF_BOUNDARY_OBSERVED,
  ATTR_RUNPROOF_BOUNDARY_POLICY,
  ATTR_RUNPROOF_BOUNDARY_RULE,
  ATTR_RUNPROOF_ESCALATION_REASON,
  ATTR_RUNPROOF_ESCALATION_TARGET,
  BOUNDARY_DECISION_VALUE_ALLOW,
  EVENT_RUNPROOF_BOUNDARY_VIOLATION,
  EVENT_RUNPROOF_ESCALATION,
  RUN_OUTCOME_VALUE_ESCALATED,
  RUN_OUTCOME_VALUE_HALTED,
} from '../semconv.ts';

/** A broken rule found by a guard. `repeated` when it is the earlier halt of the run, refusing again. */
export interface Finding {
  violation: BoundaryViolation;
  repeated: boolean;
}

const RANK: Record<BoundaryDecision, number> = { allow: 0, record: 1, escalate: 2, halt: 3 };

/**
 * Acts on what a guard found: records the decision on `span` (the violation events, the decisions
 * metric), moves the run's outcome to `halted` or `escalated`, calls `onEscalate`, and throws a
 * `BoundaryViolationError` on `halt` — unless `afterCall`, when the call has already been made and
 * a halt can only stop the next one. Returns the decision.
 */
export function applyDecision(
  state: RunBoundary,
  findings: readonly Finding[],
  span: Span | undefined,
  options: { afterCall?: boolean; previous?: BoundaryDecision } = {},
): BoundaryDecision {
  let strongest: Finding | undefined;
  for (const found of findings)
    if (strongest === undefined || RANK[found.violation.decision] > RANK[strongest.violation.decision])
      strongest = found;
  const decision: BoundaryDecision = strongest?.violation.decision ?? BOUNDARY_DECISION_VALUE_ALLOW;

  // The run's state changes outside the telemetry's safety net: a failed attribute must never let a halted run go on.
  for (const { violation } of findings) {
    if (violation.decision === 'halt' && state.haltedBy === undefined) state.haltedBy = violation;
  }
  if (state.haltedBy !== undefined) state.run.setOutcome(RUN_OUTCOME_VALUE_HALTED);
  else if (decision === 'escalate') state.run.setOutcome(RUN_OUTCOME_VALUE_ESCALATED);

  const error =
    decision === 'halt' && !options.afterCall ? new BoundaryViolationError(strongest!.violation) : undefined;
  safely('recording a boundary decision', undefined, () => record(state, findings, strongest, span, options, error));
  for (const { violation, repeated } of findings) {
    if (violation.decision === 'escalate' && !repeated) escalate(state, violation);
  }
  if (error !== undefined) throw error;
  return decision;
}

function record(
  state: RunBoundary,
  findings: readonly Finding[],
  strongest: Finding | undefined,
  span: Span | undefined,
  options: { afterCall?: boolean; previous?: BoundaryDecision },
  error: BoundaryViolationError | undefined,
): void {
  const policy = state.policy.name;
  const counter = getInstruments().boundaryDecisions;
  if (strongest === undefined) {
    counter.add(1, {
      [ATTR_RUNPROOF_BOUNDARY_POLICY]: policy,
      [ATTR_RUNPROOF_BOUNDARY_DECISION]: BOUNDARY_DECISION_VALUE_ALLOW,
    });
    span?.setAttributes({
      [ATTR_RUNPROOF_BOUNDARY_POLICY]: policy,
      [ATTR_RUNPROOF_BOUNDARY_DECISION]: BOUNDARY_DECISION_VALUE_ALLOW,
    });
    return;
  }
  const target = span ?? state.run.span;
  for (const { violation } of findings) {
    const attributes: Attributes = {
      [ATTR_RUNPROOF_BOUNDARY_RULE]: violation.rule,
      [ATTR_RUNPROOF_BOUNDARY_LIMIT]: violation.limit,
      [ATTR_RUNPROOF_BOUNDARY_OBSERVED]: violation.observed,
      [ATTR_RUNPROOF_BOUNDARY_DECISION]: violation.decision,
    };
    target.addEvent(EVENT_RUNPROOF_BOUNDARY_VIOLATION, attributes);
    counter.add(1, {
      [ATTR_RUNPROOF_BOUNDARY_POLICY]: policy,
      [ATTR_RUNPROOF_BOUNDARY_RULE]: violation.rule,
      [ATTR_RUNPROOF_BOUNDARY_DECISION]: violation.decision,
    });
  }
  if (span === undefined) return;
  const { violation } = strongest;
  // After the call, a decision only replaces the one taken before it when it is stronger.
  if (options.afterCall && RANK[violation.decision] <= RANK[options.previous ?? 'allow']) return;
  span.setAttributes({
    [ATTR_RUNPROOF_BOUNDARY_POLICY]: policy,
    [ATTR_RUNPROOF_BOUNDARY_DECISION]: violation.decision,
    [ATTR_RUNPROOF_BOUNDARY_RULE]: violation.rule,
  });
  if (error !== undefined) {
    span.setAttribute(ATTR_ERROR_TYPE, error.code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  }
}

function escalate(state: RunBoundary, violation: BoundaryViolation): void {
  const policy = state.policy.policy;
  safely('recording an escalation', undefined, () => {
    const attributes: Attributes = { [ATTR_RUNPROOF_ESCALATION_REASON]: violation.message };
    if (policy.escalationTarget !== undefined) attributes[ATTR_RUNPROOF_ESCALATION_TARGET] = policy.escalationTarget;
    state.run.span.addEvent(EVENT_RUNPROOF_ESCALATION, attributes);
  });
  const hook = policy.onEscalate;
  if (hook === undefined) return;
  safely(`the onEscalate hook of policy "${state.policy.name}"`, undefined, () => {
    const result = hook(violation, state.run);
    if (result instanceof Promise)
      result.catch((error: unknown) =>
        safely(`the onEscalate hook of policy "${state.policy.name}"`, undefined, () => {
          throw error;
        }),
      );
  });
}
