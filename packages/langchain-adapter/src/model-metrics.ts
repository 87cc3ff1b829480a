import { metrics, type Attributes, type Histogram, type MeterProvider } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_TOKEN_TYPE,
  GEN_AI_DURATION_BUCKETS,
  GEN_AI_TOKEN_BUCKETS,
  GEN_AI_TOKEN_TYPE_VALUE_INPUT,
  GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
} from '@runproof/core/semconv';
import { VERSION } from './version.ts';

interface ModelInstruments {
  duration: Histogram;
  tokens: Histogram;
}

let cached: { provider: MeterProvider; instruments: ModelInstruments } | undefined;

/** The GenAI client histograms, re-created when the global meter provider changes (it has no proxy). */
function instruments(): ModelInstruments {
  const provider = metrics.getMeterProvider();
  if (cached?.provider === provider) return cached.instruments;
  const meter = provider.getMeter('@runproof/langchain-adapter', VERSION);
  const created: ModelInstruments = {
    duration: meter.createHistogram(METRIC_GEN_AI_CLIENT_OPERATION_DURATION, {
      description: 'GenAI operation duration.',
      unit: 's',
      advice: { explicitBucketBoundaries: GEN_AI_DURATION_BUCKETS },
    }),
    tokens: meter.createHistogram(METRIC_GEN_AI_CLIENT_TOKEN_USAGE, {
      description: 'Number of input and output tokens used.',
      unit: '{token}',
      advice: { explicitBucketBoundaries: GEN_AI_TOKEN_BUCKETS },
    }),
  };
  cached = { provider, instruments: created };
  return created;
}

/** Records one model call's duration and token usage, with bounded attributes only. */
export function recordModelMetrics(attributes: Attributes, seconds: number, inputTokens: number | undefined, outputTokens: number | undefined): void {
  const { duration, tokens } = instruments();
  duration.record(seconds, attributes);
  if (inputTokens !== undefined) tokens.record(inputTokens, { ...attributes, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_INPUT });
  if (outputTokens !== undefined) tokens.record(outputTokens, { ...attributes, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_OUTPUT });
}
