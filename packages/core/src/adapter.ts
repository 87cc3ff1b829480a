import { context, createContextKey, type Context, type Span } from '@opentelemetry/api';
import { cachedDigest } from './digest-cache.ts';
import { getRunState, getStepPath } from './internal/run-state.ts';
import { safely } from './safely.ts';
import type { CallConditions, ObservedConditions } from './manifest.ts';


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
    getRunState(callContext)?.recordCall(tagged, fingerprint);
    return fingerprint;
  });
}

/**
 * For adapters: reports what a call turned out to run on (resolved model, system fingerprint, tools
 * called); inside a run it joins the run's observed conditions.
 */
export function reportObserved(observed: ObservedConditions, callContext: Context = context.active()): void {
  safely('reporting observed conditions', undefined, () => getRunState(callContext)?.recordObserved(observed));
}

/** The id of the run `callContext` is inside, if any. */
export function activeRunId(callContext: Context = context.active()): string | undefined {
  return getRunState(callContext)?.id;
}

const MODEL_SPAN_KEY = createContextKey('runproof:model-span');
const claimedModelSpans = new WeakSet<Span>();

/**
 * For framework adapters (LangChain): marks `span` as the model-call span in force while the
 * framework's model runs, so a provider adapter below it (OpenAI) enriches that span instead of
 * starting a second one. One model call then has one span and its tokens are counted once.
 *
 * @example
 * context.with(setModelSpan(trace.setSpan(context.active(), span), span), () => model.invoke(input));
 */
export function setModelSpan(callContext: Context, span: Span): Context {
  return callContext.setValue(MODEL_SPAN_KEY, span);
}

/**
 * For provider adapters: the framework model span to enrich, if one is in force and not already
 * claimed by another call. Claiming it makes {@link isModelSpanClaimed} true, so the framework
 * adapter leaves GenAI attributes and token metrics to the provider adapter.
 */
export function claimModelSpan(callContext: Context = context.active()): Span | undefined {
  const span = callContext.getValue(MODEL_SPAN_KEY) as Span | undefined;
  if (span === undefined || claimedModelSpans.has(span) || !span.isRecording()) return undefined;
  claimedModelSpans.add(span);
  return span;
}

/**
 * For provider adapters: gives a claimed framework span back after a failed attempt, so the
 * framework's own retry (LangChain's `maxRetries`) enriches the same span instead of starting a
 * second one. The framework records the failure if its retries run out.
 */
export function releaseModelSpan(span: Span): void {
  claimedModelSpans.delete(span);
}

/** Whether a provider adapter claimed (and so enriched) this framework model span. */
export function isModelSpanClaimed(span: Span): boolean {
  return claimedModelSpans.has(span);
}
