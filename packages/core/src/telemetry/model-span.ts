import { context, createContextKey, type Context, type Span } from '@opentelemetry/api';

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
