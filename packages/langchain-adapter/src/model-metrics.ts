import type { Attributes } from '@opentelemetry/api';
import { globalGenAIInstruments, recordGenAIMetrics, recordStreamMetrics } from '@runproof/core/adapter';
import { VERSION } from './version.ts';

/** Records one model call's duration and token usage on the global meter provider. */
export function recordModelMetrics(
  attributes: Attributes,
  seconds: number,
  inputTokens: number | undefined,
  outputTokens: number | undefined,
): void {
  recordGenAIMetrics(
    globalGenAIInstruments('@runproof/langchain-adapter', VERSION),
    attributes,
    seconds,
    inputTokens,
    outputTokens,
  );
}

/**
 * Records a streamed model call's time to first chunk and mean time between chunks (seconds), from
 * the times `handleLLMNewToken` saw; `attributes` without `ATTR_ERROR_TYPE`.
 */
export function recordModelStreamMetrics(
  attributes: Attributes,
  record: { startTime: number; firstChunkTime: number | undefined; chunks: number },
  endTime: number,
): void {
  if (record.firstChunkTime === undefined) return;
  const perChunk = record.chunks > 1 ? (endTime - record.firstChunkTime) / (record.chunks - 1) / 1000 : undefined;
  recordStreamMetrics(
    globalGenAIInstruments('@runproof/langchain-adapter', VERSION),
    attributes,
    (record.firstChunkTime - record.startTime) / 1000,
    perChunk,
  );
}
