import type { Attributes } from '@opentelemetry/api';
import type { CallConditions } from '@runproof/core';
import { responsesFinishReason, toolDefinitions, type ToolDefinition } from '@runproof/core/adapter';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
} from '@runproof/core/semconv';
import { VERSION } from './version.ts';

/** A plain object, or an empty one. */
export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** What a model run was asked to do, read from LangChain's `ls_*` metadata and invocation parameters. */
export interface ModelRequest {
  operation: string;
  provider: string;
  model: string | undefined;
  attributes: Attributes;
  /** Parameters that change what the model may return, for the call's fingerprint. */
  parameters: Record<string, unknown>;
  /** Names of the tools offered to the model. */
  toolNames: string[];
  /** The tools offered (the integration's invocation parameters, in its provider's format), in the conventions' shape. */
  tools: ToolDefinition[];
  /** The request's output ceiling, reserved against a token budget before the call. */
  maxOutputTokens: number | undefined;
}

/**
 * Reads the request side of a chat model or LLM run. LangChain reports the provider and model in
 * `ls_provider` / `ls_model_name` metadata for every integration, and the provider's own request
 * parameters in `invocation_params`.
 */
export function readModelRequest(operation: string, extraParams: unknown, metadata: unknown): ModelRequest {
  const lsMetadata = asRecord(metadata);
  const invocation = asRecord(asRecord(extraParams).invocation_params);
  const provider = asString(lsMetadata.ls_provider) ?? 'langchain';
  const model = asString(lsMetadata.ls_model_name) ?? asString(invocation.model) ?? asString(invocation.model_name);
  const parameters: Record<string, unknown> = {};
  const attributes: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: operation, [ATTR_GEN_AI_PROVIDER_NAME]: provider };
  if (model !== undefined) attributes[ATTR_GEN_AI_REQUEST_MODEL] = model;
  const numeric: [string, unknown][] = [
    [ATTR_GEN_AI_REQUEST_TEMPERATURE, lsMetadata.ls_temperature ?? invocation.temperature],
    [
      ATTR_GEN_AI_REQUEST_MAX_TOKENS,
      lsMetadata.ls_max_tokens ?? invocation.max_tokens ?? invocation.max_completion_tokens,
    ],
    [ATTR_GEN_AI_REQUEST_TOP_P, invocation.top_p],
    [ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, invocation.frequency_penalty],
    [ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, invocation.presence_penalty],
    [ATTR_GEN_AI_REQUEST_SEED, invocation.seed],
    [ATTR_GEN_AI_REQUEST_CHOICE_COUNT, invocation.n],
  ];
  for (const [key, raw] of numeric) {
    const value = asNumber(raw);
    if (value === undefined) continue;
    attributes[key] = value;
    parameters[key.slice(key.lastIndexOf('.') + 1)] = value;
  }
  const stop = lsMetadata.ls_stop ?? invocation.stop;
  const stopSequences =
    typeof stop === 'string'
      ? [stop]
      : Array.isArray(stop)
        ? stop.filter((entry): entry is string => typeof entry === 'string')
        : [];
  if (stopSequences.length > 0) {
    attributes[ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = stopSequences;
    parameters.stop_sequences = stopSequences;
  }
  // Read from any provider's format (OpenAI's, Anthropic's, Gemini's declarations), built-ins by their name.
  const tools = toolDefinitions(Array.isArray(invocation.tools) ? invocation.tools : []);
  const toolNames = tools.flatMap((definition) => (definition.name === undefined ? [] : [definition.name]));
  const maxOutputTokens = asNumber(
    lsMetadata.ls_max_tokens ?? invocation.max_tokens ?? invocation.max_completion_tokens,
  );
  return { operation, provider, model, attributes, parameters, toolNames, tools, maxOutputTokens };
}

/** The declared conditions of a model call, for the run's manifest. */
export function modelCallConditions(request: ModelRequest, toolsDigest: string | undefined): CallConditions {
  const conditions: CallConditions = {
    provider: request.provider,
    operation: request.operation,
    adapter: `@runproof/langchain-adapter@${VERSION}`,
  };
  if (request.model !== undefined) conditions.target = request.model;
  if (Object.keys(request.parameters).length > 0) conditions.parameters = request.parameters;
  if (toolsDigest !== undefined) conditions.toolsDigest = toolsDigest;
  return conditions;
}

/** The bounded attributes of the GenAI client metrics for a model call. */
export function modelMetricAttributes(request: ModelRequest, responseModel: string | undefined): Attributes {
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: request.operation,
    [ATTR_GEN_AI_PROVIDER_NAME]: request.provider,
  };
  if (request.model !== undefined) attributes[ATTR_GEN_AI_REQUEST_MODEL] = request.model;
  if (responseModel !== undefined) attributes[ATTR_GEN_AI_RESPONSE_MODEL] = responseModel;
  return attributes;
}

/** What a model run answered, read from LangChain's `LLMResult`. */
export interface ModelResponse {
  attributes: Attributes;
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  responseModel: string | undefined;
  systemFingerprint: string | undefined;
  toolCallNames: string[];
}

/**
 * A generation's finish reason: the provider's `finish_reason`, or for OpenAI's Responses API
 * (`useResponsesApi`), its status in chat completions' terms, as the OpenAI adapter reports it.
 */
export function finishReasonOf(generation: unknown): string | undefined {
  const message = asRecord(asRecord(generation).message);
  const metadata = asRecord(message.response_metadata);
  const reason =
    asString(asRecord(asRecord(generation).generationInfo).finish_reason) ?? asString(metadata.finish_reason);
  if (reason !== undefined || metadata.object !== 'response') return reason;
  const calledTools = Array.isArray(message.tool_calls) && message.tool_calls.length > 0;
  return responsesFinishReason({
    status: metadata.status,
    incompleteReason: asString(asRecord(metadata.incomplete_details).reason),
    calledTools,
  });
}

/**
 * Reads the response side: the first generation's message carries LangChain's standard
 * `usage_metadata` (streamed calls included) and the provider's `response_metadata`.
 */
export function readModelResponse(output: unknown): ModelResponse {
  const generations = asRecord(output).generations;
  const first = Array.isArray(generations) && Array.isArray(generations[0]) ? asRecord(generations[0][0]) : {};
  const message = asRecord(first.message);
  const responseMetadata = asRecord(message.response_metadata);
  const generationInfo = asRecord(first.generationInfo);
  const usage = asRecord(message.usage_metadata);
  const llmUsage = asRecord(asRecord(asRecord(output).llmOutput).tokenUsage);
  const attributes: Attributes = {};
  const responseModel =
    asString(responseMetadata.model_name) ?? asString(generationInfo.model_name) ?? asString(responseMetadata.model);
  if (responseModel !== undefined) attributes[ATTR_GEN_AI_RESPONSE_MODEL] = responseModel;
  const responseId = asString(message.id);
  if (responseId !== undefined && !responseId.startsWith('run-')) attributes[ATTR_GEN_AI_RESPONSE_ID] = responseId;
  const finishReasons = (Array.isArray(generations) ? generations.flat() : [])
    .map(finishReasonOf)
    .filter((reason): reason is string => reason !== undefined);
  if (finishReasons.length > 0) attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = finishReasons;
  const systemFingerprint =
    asString(responseMetadata.system_fingerprint) ?? asString(generationInfo.system_fingerprint);
  if (systemFingerprint !== undefined) attributes[ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT] = systemFingerprint;
  const inputTokens = asNumber(usage.input_tokens) ?? asNumber(llmUsage.promptTokens);
  const outputTokens = asNumber(usage.output_tokens) ?? asNumber(llmUsage.completionTokens);
  if (inputTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = inputTokens;
  if (outputTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = outputTokens;
  const cacheRead = asNumber(asRecord(usage.input_token_details).cache_read);
  if (cacheRead !== undefined && cacheRead > 0) attributes[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = cacheRead;
  const reasoning = asNumber(asRecord(usage.output_token_details).reasoning);
  if (reasoning !== undefined && reasoning > 0) attributes[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = reasoning;
  const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  const toolCallNames = toolCalls
    .map((call) => asString(asRecord(call).name))
    .filter((name): name is string => name !== undefined);
  return { attributes, inputTokens, outputTokens, responseModel, systemFingerprint, toolCallNames };
}
