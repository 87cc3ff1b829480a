import { context } from '@opentelemetry/api';
import { RunHandedOffError } from '../continuity/errors.ts';
import { RunproofError } from '../errors.ts';
import {
  ATTR_RUNPROOF_HANDOFF_REASON,
  ATTR_RUNPROOF_HANDOFF_TARGET,
  EVENT_RUNPROOF_RUN_HANDOFF,
  RUN_OUTCOME_VALUE_HANDED_OFF,
} from '../semconv.ts';
import { journaledResult } from './durable.ts';
import { durableScope } from './durable-step.ts';
import { getRunState } from './run-state.ts';

/** What {@link handoff} needs: who takes the run over, and why. */
export interface HandoffOptions {
  /** The person, team or system that should pick the run up, e.g. `ap-team`. Low cardinality. */
  to: string;
  /** Why, in a sentence: shown on the run span and in `runproof runs`. */
  reason: string;
}

/**
 * Hands the current run over to a person or team: the attempt ends with outcome `handed_off`
 * (event `EVENT_RUNPROOF_RUN_HANDOFF` with target and reason), and `run()` rejects with a
 * `RunHandedOffError` — not a failure. A durable run waits in its store until its target resumes it
 * with `run({ id, durable: { by: target, input } })`: on that attempt the steps done so far are
 * replayed, and this same `handoff()` call returns `input` (the target's decision) instead of
 * handing off again. Any other executor resuming the run stops here again, still waiting.
 * Throws a `RunproofError` outside a run or with an empty target or reason.
 *
 * @example
 * const decision = await handoff({ to: 'ap-team', reason: 'amount over the approval limit' });
 * if (decision?.approved) await step('post', () => postToLedger(verdict));
 */
export async function handoff(options: HandoffOptions): Promise<unknown> {
  const state = getRunState(context.active());
  if (state === undefined)
    throw new RunproofError('RUNPROOF_INVALID_HANDOFF', 'handoff() was called outside a run: call it inside run()');
  for (const field of ['to', 'reason'] as const) {
    const value: unknown = options?.[field];
    if (typeof value !== 'string' || value.trim() === '')
      throw new RunproofError('RUNPROOF_INVALID_HANDOFF', `Invalid handoff: ${field} must be a non-empty string`);
  }
  const durable = state.durable;
  if (durable !== undefined) {
    const key = durable.nextHandoffKey(durableScope(context.active()), options.to);
    const recorded = durable.findHandoff(key);
    if (recorded?.resumedAt !== undefined)
      return recorded.input === undefined ? undefined : journaledResult(recorded.input);
    if (recorded !== undefined) {
      state.setOutcome(RUN_OUTCOME_VALUE_HANDED_OFF);
      throw new RunHandedOffError(state.id, recorded.to, recorded.reason);
    }
    durable.addHandoff(key, options.to, options.reason);
  }
  state.span.addEvent(EVENT_RUNPROOF_RUN_HANDOFF, {
    [ATTR_RUNPROOF_HANDOFF_TARGET]: options.to,
    [ATTR_RUNPROOF_HANDOFF_REASON]: options.reason,
  });
  state.setOutcome(RUN_OUTCOME_VALUE_HANDED_OFF);
  throw new RunHandedOffError(state.id, options.to, options.reason);
}
