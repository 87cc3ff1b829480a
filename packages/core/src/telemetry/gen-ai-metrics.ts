import { metrics, type Attributes, type Histogram, type Meter, type MeterProvider } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  GEN_AI_DURATION_BUCKETS,
  GEN_AI_TOKEN_BUCKETS,
  GEN_AI_TOKEN_TYPE_VALUE_INPUT,
  GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
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

/** What a GenAI metric record is about: the bounded attributes the GenAI conventions list. */
export interface GenAIMetricSubject {
  /** `ATTR_GEN_AI_OPERATION_NAME`. */
  operation: string;
  /** `ATTR_GEN_AI_PROVIDER_NAME`. */
  provider: string;
  /** `ATTR_GEN_AI_REQUEST_MODEL`, when the request named one. */
  requestModel?: string | undefined;
  /** `ATTR_GEN_AI_RESPONSE_MODEL`, when the response named one. */
  responseModel?: string | undefined;
  /** `ATTR_SERVER_ADDRESS` and `ATTR_SERVER_PORT`, when known. */
  serverAddress?: string | undefined;
  serverPort?: number | undefined;
  /** `ATTR_ERROR_TYPE`, when the call failed. */
  errorType?: string | undefined;
}

/**
 * Attribute sets handed out by {@link genAIMetricAttributes}: a tree of maps, one level per
 * attribute, so finding a set costs a few map lookups of strings the caller already holds (their
 * hashes are kept), not a key built per call.
 */
let attributeSets = new Map<unknown, unknown>();
let attributeSetCount = 0;
/** Past this many distinct sets (the conventions' attributes are bounded; this is a guard), the cache starts over. */
const MAX_ATTRIBUTE_SETS = 1024;
/** The token-usage sets derived from a shared set: one per token type. */
const tokenAttributeSets = new WeakMap<Attributes, readonly [Attributes, Attributes]>();

/**
 * For adapters: the GenAI metric attributes of `subject`, as one frozen object shared by every
 * record with the same values — built once, not per call; {@link recordGenAIMetrics} derives its
 * token-usage sets from a shared set once too.
 *
 * @example
 * const attributes = genAIMetricAttributes({ operation: 'chat', provider: 'openai', requestModel: 'gpt-4o-mini' });
 * recordGenAIMetrics(instruments, attributes, 0.42, 120, 35);
 */
export function genAIMetricAttributes(subject: GenAIMetricSubject): Attributes {
  const { operation, provider, requestModel, responseModel, serverAddress, serverPort, errorType } = subject;
  // One level at a time rather than a loop over an array of the values: no array per call.
  const level = below(
    below(below(below(below(below(attributeSets, operation), provider), requestModel), responseModel), serverAddress),
    serverPort,
  );
  let attributes = level.get(errorType) as Attributes | undefined;
  if (attributes === undefined) {
    const built: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: operation, [ATTR_GEN_AI_PROVIDER_NAME]: provider };
    if (requestModel !== undefined) built[ATTR_GEN_AI_REQUEST_MODEL] = requestModel;
    if (responseModel !== undefined) built[ATTR_GEN_AI_RESPONSE_MODEL] = responseModel;
    if (serverAddress !== undefined) built[ATTR_SERVER_ADDRESS] = serverAddress;
    if (serverPort !== undefined) built[ATTR_SERVER_PORT] = serverPort;
    if (errorType !== undefined) built[ATTR_ERROR_TYPE] = errorType;
    attributes = Object.freeze(built);
    if (attributeSetCount >= MAX_ATTRIBUTE_SETS) {
      attributeSets = new Map();
      attributeSetCount = 0;
      return attributes;
    }
    level.set(errorType, attributes);
    attributeSetCount += 1;
  }
  return attributes;
}

/** The level of {@link attributeSets} under `level` for `value`, made when missing. */
function below(level: Map<unknown, unknown>, value: unknown): Map<unknown, unknown> {
  let next = level.get(value) as Map<unknown, unknown> | undefined;
  if (next === undefined) level.set(value, (next = new Map()));
  return next;
}

/**
 * For adapters: records one model call's duration and the token counts the provider reported
 * (none when it did not). `attributes` are the bounded ones the GenAI conventions list: operation,
 * provider, request and response model, server address and port, `ATTR_ERROR_TYPE` — preferably
 * from {@link genAIMetricAttributes}, whose shared sets also spare the token records a copy each.
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
  if (inputTokens === undefined && outputTokens === undefined) return;
  const [input, output] = tokenAttributesOf(attributes);
  if (inputTokens !== undefined) instruments.tokenUsage.record(inputTokens, input);
  if (outputTokens !== undefined) instruments.tokenUsage.record(outputTokens, output);
}

/** `attributes` with `ATTR_GEN_AI_TOKEN_TYPE` input and output; made once for a shared (frozen) set. */
function tokenAttributesOf(attributes: Attributes): readonly [Attributes, Attributes] {
  const shared = Object.isFrozen(attributes);
  let pair = shared ? tokenAttributeSets.get(attributes) : undefined;
  if (pair === undefined) {
    pair = [
      { ...attributes, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_INPUT },
      { ...attributes, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_OUTPUT },
    ];
    if (shared) tokenAttributeSets.set(attributes, pair);
  }
  return pair;
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
