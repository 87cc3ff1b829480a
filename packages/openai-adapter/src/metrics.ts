import type { Attributes, Histogram, Meter } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_TOKEN_TYPE,
  GEN_AI_DURATION_BUCKETS,
  GEN_AI_TOKEN_BUCKETS,
  GEN_AI_TOKEN_TYPE_VALUE_INPUT,
  GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
} from '@runproof/core/semconv';

/** The two GenAI client metrics. */
export interface Instruments {
  /** `gen_ai.client.operation.duration`, seconds. */
  readonly duration: Histogram;
  /** `gen_ai.client.token.usage`, tokens, by `gen_ai.token.type`. */
  readonly tokenUsage: Histogram;
}

const instrumentsByMeter = new WeakMap<Meter, Instruments>();

/** The GenAI client histograms of `meter` (created once per meter), with the buckets the conventions specify. */
export function instrumentsFor(meter: Meter): Instruments {
  let instruments = instrumentsByMeter.get(meter);
  if (instruments === undefined) {
    instruments = {
      duration: meter.createHistogram(METRIC_GEN_AI_CLIENT_OPERATION_DURATION, {
        description: 'GenAI operation duration',
        unit: 's',
        advice: { explicitBucketBoundaries: GEN_AI_DURATION_BUCKETS },
      }),
      tokenUsage: meter.createHistogram(METRIC_GEN_AI_CLIENT_TOKEN_USAGE, {
        description: 'Number of input and output tokens used',
        unit: '{token}',
        advice: { explicitBucketBoundaries: GEN_AI_TOKEN_BUCKETS },
      }),
    };
    instrumentsByMeter.set(meter, instruments);
  }
  return instruments;
}

/**
 * Records one call: its duration, and the token counts the provider reported (none when it did
 * not). `attributes` are the low-cardinality ones the conventions list: operation, provider,
 * request and response model, server address and port, `error.type`.
 */
export function recordCallMetrics(instruments: Instruments, attributes: Attributes, seconds: number, inputTokens: number | undefined, outputTokens: number | undefined): void {
  instruments.duration.record(seconds, attributes);
  if (inputTokens !== undefined) instruments.tokenUsage.record(inputTokens, { ...attributes, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_INPUT });
  if (outputTokens !== undefined) instruments.tokenUsage.record(outputTokens, { ...attributes, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_OUTPUT });
}
