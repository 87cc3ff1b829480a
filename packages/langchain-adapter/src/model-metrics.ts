import { metrics, type Attributes } from '@opentelemetry/api';
import { genAIInstruments, recordGenAIMetrics } from '@runproof/core/adapter';
import { VERSION } from './version.ts';

/**
 * Records one model call's duration and token usage on the global meter provider's meter (looked
 * up per call: the metrics API has no proxy provider, so a meter taken before `start()` would stay
 * a no-op).
 */
export function recordModelMetrics(attributes: Attributes, seconds: number, inputTokens: number | undefined, outputTokens: number | undefined): void {
  recordGenAIMetrics(genAIInstruments(metrics.getMeterProvider().getMeter('@runproof/langchain-adapter', VERSION)), attributes, seconds, inputTokens, outputTokens);
}
