import { metrics, type Attributes, type Histogram, type Meter, type MeterProvider } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_TOKEN_TYPE,
  GEN_AI_DURATION_BUCKETS,
  GEN_AI_TOKEN_BUCKETS,
  GEN_AI_TOKEN_TYPE_VALUE_INPUT,
  GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
} from '../semconv.ts';
import { SCOPE_OPTIONS } from './scope.ts';

/** The GenAI client metrics. */
export interface GenAIInstruments {
  /** `METRIC_GEN_AI_CLIENT_OPERATION_DURATION`, seconds. */
  readonly duration: Histogram;
  /** `METRIC_GEN_AI_CLIENT_TOKEN_USAGE`, tokens, by `ATTR_GEN_AI_TOKEN_TYPE`. */
  readonly tokenUsage: Histogram;
  /** `METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK`, seconds, streamed calls only. */
  readonly timeToFirstChunk: Histogram;
  /** `METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK`, seconds, streamed calls only. */
  readonly timePerOutputChunk: Histogram;
}

const instrumentsByMeter = new WeakMap<Meter, GenAIInstruments>();

/**
 * For adapters: the GenAI client histograms of `meter`, created once per meter, with the bucket
 * boundaries the GenAI conventions specify.
 *
 * @example
 * const instruments = genAIInstruments(metrics.getMeter('@runproof/openai-adapter'));
 */
export function genAIInstruments(meter: Meter): GenAIInstruments {
  let instruments = instrumentsByMeter.get(meter);
  if (instruments === undefined) {
    instruments = {
      duration: meter.createHistogram(METRIC_GEN_AI_CLIENT_OPERATION_DURATION, {
        description: 'GenAI operation duration.',
        unit: 's',
        advice: { explicitBucketBoundaries: GEN_AI_DURATION_BUCKETS },
      }),
      tokenUsage: meter.createHistogram(METRIC_GEN_AI_CLIENT_TOKEN_USAGE, {
        description: 'Number of input and output tokens used.',
        unit: '{token}',
        advice: { explicitBucketBoundaries: GEN_AI_TOKEN_BUCKETS },
      }),
      timeToFirstChunk: meter.createHistogram(METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK, {
        description: 'Time from the request to the first chunk of a streamed response.',
        unit: 's',
        advice: { explicitBucketBoundaries: GEN_AI_DURATION_BUCKETS },
      }),
      timePerOutputChunk: meter.createHistogram(METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK, {
        description: 'Time between the chunks of a streamed response after the first: one value per stream, its mean.',
        unit: 's',
        advice: { explicitBucketBoundaries: GEN_AI_DURATION_BUCKETS },
      }),
    };
    instrumentsByMeter.set(meter, instruments);
  }
  return instruments;
}

const globalInstruments = new Map<string, { provider: MeterProvider; instruments: GenAIInstruments }>();

/**
 * For adapters without a meter of their own: the GenAI histograms on the global meter provider's
 * meter `scope`. The metrics API has no proxy provider (a meter taken before `start()` stays a
 * no-op), so they are looked up again when the global provider changes.
 *
 * @example
 * recordGenAIMetrics(globalGenAIInstruments('@runproof/langchain-adapter', VERSION), attributes, seconds, input, output);
 */
export function globalGenAIInstruments(scope: string, version: string): GenAIInstruments {
  const provider = metrics.getMeterProvider();
  const cached = globalInstruments.get(scope);
  if (cached?.provider === provider) return cached.instruments;
  const instruments = genAIInstruments(provider.getMeter(scope, version, SCOPE_OPTIONS));
  globalInstruments.set(scope, { provider, instruments });
  return instruments;
}

/**
 * For adapters: records one model call's duration and the token counts the provider reported
 * (none when it did not). `attributes` are the bounded ones the GenAI conventions list: operation,
 * provider, request and response model, server address and port, `ATTR_ERROR_TYPE`.
 *
 * @example
 * recordGenAIMetrics(instruments, { [ATTR_GEN_AI_OPERATION_NAME]: 'chat', … }, 0.42, 120, 35);
 */
export function recordGenAIMetrics(
  instruments: GenAIInstruments,
  attributes: Attributes,
  seconds: number,
  inputTokens: number | undefined,
  outputTokens: number | undefined,
): void {
  instruments.duration.record(seconds, attributes);
  if (inputTokens !== undefined)
    instruments.tokenUsage.record(inputTokens, {
      ...attributes,
      [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_INPUT,
    });
  if (outputTokens !== undefined)
    instruments.tokenUsage.record(outputTokens, {
      ...attributes,
      [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
    });
}

/**
 * For adapters: records what a streamed call's chunks took, once, when the call ends:
 * `METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK` (request to first chunk) and, when more than
 * one chunk came, `METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK` (the stream's mean time
 * between chunks after the first). The conventions ask for one value per chunk; one value per
 * stream keeps the per-chunk cost to a counter, the clock read every few chunks. `attributes` are
 * the duration metric's without `ATTR_ERROR_TYPE`, which these two do not take.
 *
 * @example
 * recordStreamMetrics(instruments, attributes, 0.21, 0.012);
 */
export function recordStreamMetrics(
  instruments: GenAIInstruments,
  attributes: Attributes,
  secondsToFirstChunk: number,
  secondsPerChunk: number | undefined,
): void {
  instruments.timeToFirstChunk.record(secondsToFirstChunk, attributes);
  if (secondsPerChunk !== undefined) instruments.timePerOutputChunk.record(secondsPerChunk, attributes);
}
