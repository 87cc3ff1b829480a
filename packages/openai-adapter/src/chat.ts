/** `chat.completions.create` (and `parse`, `stream`, `runTools`, which call it): chat completions. */
import type { Attributes, Span } from '@opentelemetry/api';
import { type JsonSchema } from '@runproof/core';
import { recordContent } from '@runproof/core/adapter';
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  GEN_AI_OPERATION_VALUE_CHAT,
  GEN_AI_OUTPUT_TYPE_VALUE_JSON,
  GEN_AI_OUTPUT_TYPE_VALUE_TEXT,
  OPENAI_API_TYPE_VALUE_CHAT_COMPLETIONS,
} from '@runproof/core/semconv';
import { describeSampling, setNumber } from './attributes.ts';
import {
  digestByIdentity,
  digestInput,
  digestInstructions,
  digestTemplate,
  pickParameters,
  shapeOfJsonText,
} from './conditions.ts';
import { toParts, toToolCallPart, type GenAIMessage, type GenAIPart } from './content.ts';
import {
  checkEnding,
  checkStructuredOutput,
  checkToolCall,
  declaredTools,
  OutputChecks,
  structuredOutputSchema,
} from './output-checks.ts';
import { readUsage } from './usage.ts';
import { chatInputText, outputTextOf } from './usage-text.ts';
import type { CallOutput, DeclaredRequest, RequestBody, StreamReader, Surface } from './surface.ts';
import { numberOr, recordOr, stringOr } from './values.ts';

/** Request members that change what the model may return: the call's declared parameters. */
const CHAT_PARAMETERS = [
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'frequency_penalty',
  'presence_penalty',
  'stop',
  'seed',
  'n',
  'logit_bias',
  'reasoning_effort',
  'verbosity',
  'tool_choice',
  'parallel_tool_calls',
  'modalities',
] as const;

type JsonRecord = Readonly<Record<string, unknown>>;

/** The chat completions surface. */
export const chatSurface: Surface = {
  method: 'chat.completions.create',
  operation: GEN_AI_OPERATION_VALUE_CHAT,
  apiType: OPENAI_API_TYPE_VALUE_CHAT_COMPLETIONS,

  describe(body: RequestBody, attributes: Attributes): DeclaredRequest {
    setNumber(attributes, ATTR_GEN_AI_REQUEST_MAX_TOKENS, body.max_completion_tokens ?? body.max_tokens);
    describeSampling(body, attributes);
    setNumber(attributes, ATTR_GEN_AI_REQUEST_SEED, body.seed);
    const choiceCount = numberOr(body.n);
    if (choiceCount !== undefined && choiceCount !== 1) attributes[ATTR_GEN_AI_REQUEST_CHOICE_COUNT] = choiceCount;
    const responseFormat = recordOr(body.response_format);
    const formatType = responseFormat?.type;
    if (formatType === 'json_schema' || formatType === 'json_object')
      attributes[ATTR_GEN_AI_OUTPUT_TYPE] = GEN_AI_OUTPUT_TYPE_VALUE_JSON;
    else if (formatType === 'text') attributes[ATTR_GEN_AI_OUTPUT_TYPE] = GEN_AI_OUTPUT_TYPE_VALUE_TEXT;

    const roles: string[] = [];
    const instructions: unknown[] = [];
    if (Array.isArray(body.messages)) {
      for (const message of body.messages as (JsonRecord | null)[]) {
        const role = typeof message?.role === 'string' ? message.role : 'unknown';
        roles.push(role);
        if (role === 'system' || role === 'developer') instructions.push(message?.content ?? null);
      }
    }
    const parameters = pickParameters(body, CHAT_PARAMETERS);
    return {
      parameters:
        typeof formatType === 'string' && formatType !== 'json_schema'
          ? { ...parameters, response_format: formatType }
          : parameters,
      instructionsDigest: digestInstructions(instructions),
      templateDigest: digestTemplate(roles),
      toolsDigest: Array.isArray(body.tools) && body.tools.length > 0 ? digestByIdentity(body.tools) : undefined,
      schemaDigest: formatType === 'json_schema' ? digestByIdentity(responseFormat) : undefined,
    };
  },

  digestInput(body: RequestBody): string | undefined {
    return digestInput(body.messages);
  },

  captureInput(body: RequestBody, span: Span): void {
    if (Array.isArray(body.messages))
      recordContent(span, ATTR_GEN_AI_INPUT_MESSAGES, (body.messages as unknown[]).map(toInputMessage));
    if (Array.isArray(body.tools) && body.tools.length > 0)
      recordContent(span, ATTR_GEN_AI_TOOL_DEFINITIONS, (body.tools as unknown[]).map(toToolDefinition));
  },

  inputText: chatInputText,

  readResult: readChatCompletion,

  createStreamReader(body: RequestBody, capture: boolean, keepText: boolean): StreamReader {
    return new ChatStreamReader(body, capture, keepText);
  },
};

/** Fills `output` from a `chat.completion` object. */
function readChatCompletion(result: unknown, body: RequestBody, output: CallOutput, capture: boolean): void {
  const completion = recordOr(result);
  if (completion === undefined) return;
  output.responseId = stringOr(completion.id);
  output.responseModel = stringOr(completion.model);
  output.serviceTier = stringOr(completion.service_tier);
  output.systemFingerprint = stringOr(completion.system_fingerprint);
  readUsage(completion.usage, output);
  if (!Array.isArray(completion.choices)) return;
  if (output.outputTokens === undefined)
    output.text = outputTextOf((completion.choices as unknown[]).map((choice) => recordOr(choice)?.message));
  const json = isJsonOutput(body);
  const checks = (output.checks = new OutputChecks());
  const schema = structuredOutputSchema(body.response_format);
  const tools = declaredTools(body.tools);
  if (capture) output.messages = [];
  const choices = completion.choices as unknown[];
  for (const [index, item] of choices.entries()) {
    const choice = recordOr(item);
    if (choice === undefined) continue;
    const finishReason = stringOr(choice.finish_reason);
    if (finishReason !== undefined) output.finishReasons.push(finishReason);
    const message = recordOr(choice.message);
    output.shapes.push(shapeOfMessage(message, json, output.toolsCalled));
    checkChoice(checks, message, finishReason, schema, tools, choices.length > 1 ? ['choices', index] : []);
    if (capture)
      output.messages?.push({
        role: 'assistant',
        parts: toOutputParts(message),
        finish_reason: finishReason ?? 'error',
      });
  }
}

/** Validates one choice: its tool calls against the declared tools, its JSON against the schema, how it ended. */
function checkChoice(
  checks: OutputChecks,
  message: JsonRecord | undefined,
  finishReason: string | undefined,
  schema: JsonSchema | undefined,
  tools: Map<string, JsonSchema | undefined> | undefined,
  prefix: (string | number)[],
): void {
  const refusal = stringOr(message?.refusal);
  if (tools !== undefined && Array.isArray(message?.tool_calls)) {
    for (const [index, item] of (message.tool_calls as unknown[]).entries()) {
      const fn = recordOr(recordOr(item)?.function);
      if (fn !== undefined)
        checkToolCall(checks, tools, stringOr(fn.name) ?? '', stringOr(fn.arguments), [...prefix, 'tool_calls', index]);
    }
  }
  if (
    schema !== undefined &&
    refusal === undefined &&
    typeof message?.content === 'string' &&
    finishReason !== 'length'
  )
    checkStructuredOutput(checks, schema, message.content, prefix);
  checkEnding(checks, finishReason, refusal, prefix);
}

function isJsonOutput(body: RequestBody): boolean {
  const type = recordOr(body.response_format)?.type;
  return type === 'json_schema' || type === 'json_object';
}

/** The structure of one choice: the tools asked for with their arguments' shape, a refusal, JSON's shape, or text. */
function shapeOfMessage(message: JsonRecord | undefined, json: boolean, toolsCalled: string[]): unknown {
  const toolCalls = message?.tool_calls;
  if (Array.isArray(toolCalls) && toolCalls.length > 0) {
    return {
      tool_calls: (toolCalls as unknown[]).map((item) => {
        const call = recordOr(item);
        const fn = recordOr(call?.function);
        const custom = recordOr(call?.custom);
        const name = stringOr(fn?.name) ?? stringOr(custom?.name) ?? 'unknown';
        toolsCalled.push(name);
        return { name, arguments: fn !== undefined ? shapeOfJsonText(fn.arguments) : 'string' };
      }),
    };
  }
  if (typeof message?.refusal === 'string') return 'refusal';
  const content = message?.content;
  if (typeof content !== 'string') return 'empty';
  return json ? { json: shapeOfJsonText(content) } : 'text';
}

function toInputMessage(item: unknown): GenAIMessage {
  const message = recordOr(item) ?? {};
  const role = typeof message.role === 'string' ? message.role : 'user';
  if (role === 'tool' || role === 'function') {
    const response = typeof message.content === 'string' ? message.content : toParts(message.content);
    return { role: 'tool', parts: [{ type: 'tool_call_response', id: message.tool_call_id ?? null, response }] };
  }
  if (role === 'assistant') return { role, parts: toOutputParts(message) };
  return { role: role === 'developer' ? 'system' : role, parts: toParts(message.content) };
}

function toOutputParts(message: JsonRecord | undefined): GenAIPart[] {
  if (message === undefined) return [];
  const parts = toParts(message.content);
  if (typeof message.refusal === 'string') parts.push({ type: 'refusal', content: message.refusal });
  if (Array.isArray(message.tool_calls)) {
    for (const item of message.tool_calls as unknown[]) {
      const call = recordOr(item);
      const fn = recordOr(call?.function);
      const custom = recordOr(call?.custom);
      parts.push(toToolCallPart(call?.id, fn?.name ?? custom?.name, fn !== undefined ? fn.arguments : custom?.input));
    }
  }
  return parts;
}

function toToolDefinition(item: unknown): Record<string, unknown> {
  const tool = recordOr(item) ?? {};
  const fn = recordOr(tool.function);
  if (fn !== undefined)
    return { type: 'function', name: fn.name, description: fn.description, parameters: fn.parameters };
  const custom = recordOr(tool.custom);
  return { type: String(tool.type), name: custom?.name, description: custom?.description };
}

interface ChoiceState {
  finishReason: string | null;
  content: string | null;
  refusal: string | null;
  toolCalls: { id: string | undefined; name: string; arguments: string }[];
}

/**
 * Adds up `chat.completion.chunk`s into the completion they make. Text is kept only when it is
 * needed (captured content, JSON output whose shape is measured, a budget that may have to
 * estimate its tokens); tool-call arguments always, since their shape is the call's output structure.
 */
class ChatStreamReader implements StreamReader {
  private readonly body: RequestBody;
  private readonly capture: boolean;
  private readonly keepText: boolean;
  private readonly choices: ChoiceState[] = [];
  private id: string | undefined;
  private model: string | undefined;
  private serviceTier: string | undefined;
  private systemFingerprint: string | undefined;
  private usage: unknown;

  constructor(body: RequestBody, capture: boolean, keepText: boolean) {
    this.body = body;
    this.capture = capture;
    this.keepText = keepText || capture || isJsonOutput(body);
  }

  read(chunk: unknown): void {
    const record = recordOr(chunk);
    if (record === undefined) return;
    this.id ??= stringOr(record.id);
    this.model = stringOr(record.model) ?? this.model;
    this.serviceTier = stringOr(record.service_tier) ?? this.serviceTier;
    this.systemFingerprint = stringOr(record.system_fingerprint) ?? this.systemFingerprint;
    if (record.usage != null) this.usage = record.usage;
    if (!Array.isArray(record.choices)) return;
    for (const item of record.choices as unknown[]) {
      const choice = recordOr(item);
      if (choice === undefined) continue;
      const index = numberOr(choice.index) ?? 0;
      const state = (this.choices[index] ??= { finishReason: null, content: null, refusal: null, toolCalls: [] });
      const delta = recordOr(choice.delta);
      if (delta !== undefined) this.readDelta(delta, state);
      const finishReason = stringOr(choice.finish_reason);
      if (finishReason !== undefined) state.finishReason = finishReason;
    }
  }

  private readDelta(delta: JsonRecord, state: ChoiceState): void {
    if (typeof delta.content === 'string') state.content = this.keepText ? (state.content ?? '') + delta.content : '';
    // Refusals are short and kept whole: the refusal check needs to know there was one.
    if (typeof delta.refusal === 'string') state.refusal = (state.refusal ?? '') + delta.refusal;
    if (!Array.isArray(delta.tool_calls)) return;
    for (const item of delta.tool_calls as unknown[]) {
      const call = recordOr(item);
      if (call === undefined) continue;
      const entry = (state.toolCalls[numberOr(call.index) ?? 0] ??= { id: undefined, name: '', arguments: '' });
      entry.id = stringOr(call.id) ?? entry.id;
      const fn = recordOr(call.function);
      if (typeof fn?.name === 'string') entry.name += fn.name;
      if (typeof fn?.arguments === 'string') entry.arguments += fn.arguments;
    }
  }

  complete(output: CallOutput): void {
    const choices = this.choices.map((state, index) => ({
      index,
      finish_reason: state.finishReason,
      message: {
        role: 'assistant',
        content: state.content,
        refusal: state.refusal,
        tool_calls:
          state.toolCalls.length > 0
            ? state.toolCalls.map((call) => ({
                id: call.id,
                type: 'function',
                function: { name: call.name, arguments: call.arguments },
              }))
            : undefined,
      },
    }));
    const completion = {
      id: this.id,
      model: this.model,
      service_tier: this.serviceTier,
      system_fingerprint: this.systemFingerprint,
      usage: this.usage,
      choices,
    };
    readChatCompletion(completion, this.body, output, this.capture);
  }
}
