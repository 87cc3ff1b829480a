import { context, type Context } from '@opentelemetry/api';
import { cachedDigest } from '../identity/digest-cache.ts';
import { getRunState, getStepPath } from './run-state.ts';
import { safely } from '../safely.ts';
import type { CallConditions, ObservedConditions } from '../identity/manifest.ts';
import { noteCall } from '../drift/fleet.ts';

/**
 * For adapters: reports the declared conditions of a call about to be made and returns the call's
 * fingerprint (`ATTR_RUNPROOF_CALL_FINGERPRINT`). Inside a run the conditions join the run's manifest,
 * tagged with the current step.
 *
 * @example
 * span.setAttribute(ATTR_RUNPROOF_CALL_FINGERPRINT, reportCall({ provider: 'openai', operation: 'chat', target: 'gpt-4o-mini' }));
 */
export function reportCall(conditions: CallConditions, callContext: Context = context.active()): string {
  return safely('reporting a call', '', () => {
    const step = getStepPath(callContext);
    const tagged = step === undefined ? conditions : { ...conditions, step };
    const fingerprint = cachedDigest(tagged);
    const state = getRunState(callContext);
    state?.recordCall(tagged, fingerprint);
    // With a store, the fleet's baselines for this call start loading now, while the call is made.
    noteCall(fingerprint, () => ({
      on: 'call',
      workflow: state?.name,
      step,
      provider: conditions.provider,
      operation: conditions.operation,
      target: conditions.target,
      library: conditions.library,
      adapter: conditions.adapter,
      toolsDigest: conditions.toolsDigest,
      schemaDigest: conditions.schemaDigest,
    }));
    return fingerprint;
  });
}

/**
 * For adapters: reports what a call turned out to run on (resolved model, system fingerprint, tools
 * called); inside a run it joins the run's observed conditions.
 */
export function reportObserved(observed: ObservedConditions, callContext: Context = context.active()): void {
  // Once per call: no closure for the common case, a failure still logged once through safely.
  try {
    getRunState(callContext)?.recordObserved(observed);
  } catch (error) {
    safely('reporting observed conditions', undefined, () => {
      throw error;
    });
  }
}

/** The id of the run `callContext` is inside, if any. */
export function activeRunId(callContext: Context = context.active()): string | undefined {
  return getRunState(callContext)?.id;
}
