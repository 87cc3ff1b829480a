import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_OPENAI_REQUEST_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
} from '@runproof/core/semconv';
import type { CallOutput, RequestBody } from './surface.ts';
import { numberOr } from './values.ts';

/** `ATTR_SERVER_ADDRESS` and `ATTR_SERVER_PORT` of a client's base URL. */
export interface ServerEndpoint {
  readonly address: string;
  readonly port: number;
}

const endpoints = new Map<string, ServerEndpoint | null>();

/** The endpoint a client sends to, from its `baseURL` (parsed once per distinct URL). */
export function endpointOf(client: unknown): ServerEndpoint | undefined {
  const baseURL = (client as { baseURL?: unknown } | null | undefined)?.baseURL;
  if (typeof baseURL !== 'string') return undefined;
  let endpoint = endpoints.get(baseURL);
  if (endpoint === undefined) {
    endpoint = parseEndpoint(baseURL);
    if (endpoints.size >= 256) endpoints.clear();
    endpoints.set(baseURL, endpoint);
  }
  return endpoint ?? undefined;
}

function parseEndpoint(baseURL: string): ServerEndpoint | null {
  try {
    const url = new URL(baseURL);
    const port = url.port === '' ? (url.protocol === 'http:' ? 80 : 443) : Number(url.port);
    // URL keeps IPv6 literals bracketed; server.address wants the bare address.
    return { address: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
  } catch {
    return null;
  }
}

/** The sampling request attributes chat completions and the Responses API share. */
export function describeSampling(body: RequestBody, attributes: Attributes): void {
  setNumber(attributes, ATTR_GEN_AI_REQUEST_TEMPERATURE, body.temperature);
  setNumber(attributes, ATTR_GEN_AI_REQUEST_TOP_P, body.top_p);
  setNumber(attributes, ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, body.frequency_penalty);
  setNumber(attributes, ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, body.presence_penalty);
  const stop = body.stop;
  if (typeof stop === 'string') attributes[ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = [stop];
  else if (Array.isArray(stop) && stop.every((item) => typeof item === 'string'))
    attributes[ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = stop;
  // The conventions ask for the requested tier only when it is not `auto`.
  if (typeof body.service_tier === 'string' && body.service_tier !== 'auto')
    attributes[ATTR_OPENAI_REQUEST_SERVICE_TIER] = body.service_tier;
  if (body.stream === true) attributes[ATTR_GEN_AI_REQUEST_STREAM] = true;
}

/** Sets `key` when `value` is a finite number. */
export function setNumber(attributes: Attributes, key: string, value: unknown): void {
  const number = numberOr(value);
  if (number !== undefined) attributes[key] = number;
}

/**
 * Adds what the response said to `attributes`: id, model, finish reasons, usage, service tier,
 * fingerprint. Cached and reasoning token counts only when not zero: zero is what their absence says.
 */
export function writeOutputAttributes(attributes: Attributes, output: CallOutput): void {
  if (output.responseId !== undefined) attributes[ATTR_GEN_AI_RESPONSE_ID] = output.responseId;
  if (output.responseModel !== undefined) attributes[ATTR_GEN_AI_RESPONSE_MODEL] = output.responseModel;
  if (output.finishReasons.length > 0) attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = output.finishReasons;
  if (output.inputTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = output.inputTokens;
  if (output.outputTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = output.outputTokens;
  if (output.cacheReadTokens !== undefined && output.cacheReadTokens !== 0)
    attributes[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = output.cacheReadTokens;
  if (output.reasoningTokens !== undefined && output.reasoningTokens !== 0)
    attributes[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = output.reasoningTokens;
  if (output.serviceTier !== undefined) attributes[ATTR_OPENAI_RESPONSE_SERVICE_TIER] = output.serviceTier;
  if (output.systemFingerprint !== undefined)
    attributes[ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT] = output.systemFingerprint;
}
