/** `chat.completions.create` (and `parse`, `stream`, `runTools`, which call it): chat completions. */
import type { Attributes, Span } from '@opentelemetry/api';
import { type JsonSchema } from '@runproof/core';
import { keepShapes, recordContent, toolDefinitions } from '@runproof/core/adapter';
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
import { parameterList, type ConditionsKey } from './call-conditions.ts';
import {
  digestByIdentity,
  digestInstructions,
  digestTemplate,
  parseJsonText,
  pickParameters,
  shapeOfJsonText,
  shapeOfParsed,
  type ParsedJson,
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
const CHAT_PARAMETERS_LIST = parameterList(CHAT_PARAMETERS);

type JsonRecord = Readonly<Record<string, unknown>>;

/** The chat completions surface. */
export const chatSurface: Surface = {
  method: 'chat.completions.create',
  operation: GEN_AI_OPERATION_VALUE_CHAT,
  apiType: OPENAI_API_TYPE_VALUE_CHAT_COMPLETIONS,

  describe(body: RequestBody, attributes: Attributes): void {
    setNumber(attributes, ATTR_GEN_AI_REQUEST_MAX_TOKENS, body.max_completion_tokens ?? body.max_tokens);
    describeSampling(body, attributes);
    setNumber(attributes, ATTR_GEN_AI_REQUEST_SEED, body.seed);
    const choiceCount = numberOr(body.n);
    if (choiceCount !== undefined && choiceCount !== 1) attributes[ATTR_GEN_AI_REQUEST_CHOICE_COUNT] = choiceCount;
    const formatType = recordOr(body.response_format)?.type;
    if (formatType === 'json_schema' || formatType === 'json_object')
      attributes[ATTR_GEN_AI_OUTPUT_TYPE] = GEN_AI_OUTPUT_TYPE_VALUE_JSON;
    else if (formatType === 'text') attributes[ATTR_GEN_AI_OUTPUT_TYPE] = GEN_AI_OUTPUT_TYPE_VALUE_TEXT;
  },

  keyConditions(body: RequestBody, key: ConditionsKey): void {
    key.parameters(body, CHAT_PARAMETERS_LIST);
    const responseFormat = recordOr(body.response_format);
    key.value(responseFormat?.type);
    if (responseFormat?.type === 'json_schema') key.value(responseFormat);
    if (Array.isArray(body.messages)) {
      for (const message of body.messages as (JsonRecord | null)[]) {
        const role = roleOf(message);
        key.role(role);
        if (role !== 'system' && role !== 'developer') continue;
        const content = message?.content;
        if (typeof content === 'string') key.longText(content);
        else key.value(content ?? null);
      }
    }
    key.value(Array.isArray(body.tools) && body.tools.length > 0 ? body.tools : undefined);
  },

  declare(body: RequestBody): DeclaredRequest {
    const responseFormat = recordOr(body.response_format);
    const formatType = responseFormat?.type;
    const roles: string[] = [];
    const instructions: unknown[] = [];
    if (Array.isArray(body.messages)) {
      for (const message of body.messages as (JsonRecord | null)[]) {
        const role = roleOf(message);
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

  captureInput(body: RequestBody, span: Span): void {
    if (Array.isArray(body.messages))
      recordContent(span, ATTR_GEN_AI_INPUT_MESSAGES, (body.messages as unknown[]).map(toInputMessage));
    if (Array.isArray(body.tools) && body.tools.length > 0)
      recordContent(span, ATTR_GEN_AI_TOOL_DEFINITIONS, toolDefinitions(body.tools as unknown[]));
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
    // JSON output is parsed once, for its shape and for its check against the schema.
    const parsed = json && typeof message?.content === 'string' ? parseJsonText(message.content) : undefined;
    output.shapes.push(shapeOfMessage(message, parsed, output.toolsCalled));
    checkChoice(checks, message, finishReason, schema, tools, choices.length > 1 ? ['choices', index] : [], parsed);
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
  parsed: ParsedJson | undefined,
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
    checkStructuredOutput(checks, schema, message.content, prefix, parsed);
  checkEnding(checks, finishReason, refusal, prefix);
}

/** A message's role as the template records it. */
function roleOf(message: JsonRecord | null): string {
  return typeof message?.role === 'string' ? message.role : 'unknown';
}

function isJsonOutput(body: RequestBody): boolean {
  const type = recordOr(body.response_format)?.type;
  return type === 'json_schema' || type === 'json_object';
}

/** The structure of one choice: the tools asked for with their arguments' shape, a refusal, JSON's shape (`parsed`: JSON output), or text. */
function shapeOfMessage(
  message: JsonRecord | undefined,
  parsed: ParsedJson | undefined,
  toolsCalled: string[],
): unknown {
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
  if (typeof message?.content !== 'string') return 'empty';
  return parsed !== undefined ? { json: shapeOfParsed(parsed) } : 'text';
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

interface ChoiceState {
  finishReason: string | null;
  content: string | null;
  refusal: string | null;
  toolCalls: { id: string | undefined; name: string; arguments: string }[];
}

/** Chunks the lean reading keeps, the last ones: where the finish reason and the usage come. A power of two. */
const TAIL = 8;

/**
 * Adds up `chat.completion.chunk`s into the completion they make. The members every chunk repeats
 * (id, model, service tier, fingerprint) are read once, at the end, from the last chunk (or the
 * first). Text is kept only when it is needed (captured content, JSON output whose shape is
 * measured, a budget that may have to estimate its tokens); tool-call arguments always, since their
 * shape is the call's output structure.
 *
 * The common stream — text nobody keeps, no tools declared, one choice — is read lean: a chunk is
 * only stored, until the first one carrying output has said it is text; at the end the last
 * {@link TAIL} chunks, where the finish reason and the usage are, are read as any other. A stream
 * that turns out otherwise (a refusal, a tool call) is read in full from then on.
 */
class ChatStreamReader implements StreamReader {
  private readonly body: RequestBody;
  private readonly capture: boolean;
  private readonly keepText: boolean;
  private readonly choices: ChoiceState[] = [];
  private first: JsonRecord | undefined;
  private last: JsonRecord | undefined;
  private usage: unknown;
  private lean: boolean;
  private readonly tail: JsonRecord[] = [];
  private count = 0;
  /** Lean reading: a chunk carried text (nothing after it needs reading before the end). */
  private sawText = false;

  constructor(body: RequestBody, capture: boolean, keepText: boolean) {
    this.body = body;
    this.capture = capture;
    this.keepText = keepText || capture || isJsonOutput(body);
    const tools = (Array.isArray(body.tools) && body.tools.length > 0) || Array.isArray(body.functions);
    this.lean = !this.keepText && !tools && (numberOr(body.n) ?? 1) <= 1;
  }

  read(chunk: unknown): void {
    if (chunk === null || typeof chunk !== 'object') return;
    const record = chunk as JsonRecord;
    if (!this.lean) {
      this.readChunk(record);
      return;
    }
    this.first ??= record;
    this.tail[this.count++ & (TAIL - 1)] = record;
    if (!this.sawText) this.checkOutput(record);
  }

  /** Lean reading, until the first output: text keeps it lean; anything else (a refusal, a tool call) ends it. */
  private checkOutput(record: JsonRecord): void {
    const choices = record.choices;
    if (!Array.isArray(choices) || choices.length === 0) return;
    const delta = recordOr(recordOr(choices[0])?.delta);
    if (delta === undefined) return;
    if ((typeof delta.refusal === 'string' && delta.refusal !== '') || delta.tool_calls != null || choices.length > 1) {
      this.lean = false;
      // Every chunk so far is still kept: the first output comes within the first few.
      for (const kept of this.keptChunks()) this.readChunk(kept);
      return;
    }
    if (typeof delta.content === 'string' && delta.content !== '') this.sawText = true;
  }

  /** The chunks the lean reading kept, oldest first. */
  private keptChunks(): JsonRecord[] {
    const from = Math.max(0, this.count - TAIL);
    const kept: JsonRecord[] = [];
    for (let index = from; index < this.count; index += 1) kept.push(this.tail[index & (TAIL - 1)]!);
    return kept;
  }

  private readChunk(record: JsonRecord): void {
    this.first ??= record;
    this.last = record;
    if (record.usage != null) this.usage = record.usage;
    const choices = record.choices;
    if (!Array.isArray(choices)) return;
    for (let position = 0; position < choices.length; position += 1) {
      const choice = recordOr(choices[position]);
      if (choice === undefined) continue;
      const index = numberOr(choice.index) ?? 0;
      const state = (this.choices[index] ??= { finishReason: null, content: null, refusal: null, toolCalls: [] });
      const delta = recordOr(choice.delta);
      if (delta !== undefined) this.readDelta(delta, state);
      const finishReason = choice.finish_reason;
      if (typeof finishReason === 'string' && finishReason !== '') state.finishReason = finishReason;
    }
  }

  private readDelta(delta: JsonRecord, state: ChoiceState): void {
    const content = delta.content;
    if (typeof content === 'string') state.content = this.keepText ? (state.content ?? '') + content : '';
    // Refusals are short and kept whole: the refusal check needs to know there was one.
    if (typeof delta.refusal === 'string') state.refusal = (state.refusal ?? '') + delta.refusal;
    const toolCalls = delta.tool_calls;
    if (!Array.isArray(toolCalls)) return;
    for (const item of toolCalls as unknown[]) {
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
    if (this.lean) {
      for (const kept of this.keptChunks()) this.readChunk(kept);
      // Text streamed before the chunks kept: the output was text, not empty.
      const state = this.choices[0];
      if (this.sawText && state !== undefined && state.content === null) state.content = '';
    }
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
    const first = this.first;
    const last = this.last;
    const completion = {
      id: stringOr(first?.id) ?? last?.id,
      model: stringOr(last?.model) ?? first?.model,
      service_tier: stringOr(last?.service_tier) ?? first?.service_tier,
      system_fingerprint: stringOr(last?.system_fingerprint) ?? first?.system_fingerprint,
      usage: this.usage,
      choices,
    };
    this.first = this.last = this.usage = undefined;
    this.tail.length = 0;
    this.choices.length = 0;
    readChatCompletion(completion, this.body, output, this.capture);
  }
}

// An idle reader, kept for the class's shape (see `keepShapes`).
keepShapes(new ChatStreamReader({}, false, false));
