import type { Attributes } from '@opentelemetry/api';
import { globalGenAIInstruments, recordGenAIMetrics } from '@runproof/core/adapter';
import { VERSION } from './version.ts';

/** Records one model call's duration and token usage on the global meter provider. */
export function recordModelMetrics(attributes: Attributes, seconds: number, inputTokens: number | undefined, outputTokens: number | undefined): void {
  recordGenAIMetrics(globalGenAIInstruments('@runproof/langchain-adapter', VERSION), attributes, seconds, inputTokens, outputTokens);
}
