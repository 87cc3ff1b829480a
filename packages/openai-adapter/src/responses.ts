/** `responses.create` (and `parse`, `stream`, which call it): the Responses API. */
import type { Attributes, Span } from '@opentelemetry/api';
import { keepShapes, recordContent, responsesFinishReason, toolDefinitions } from '@runproof/core/adapter';
import {
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  GEN_AI_OPERATION_VALUE_CHAT,
  GEN_AI_OUTPUT_TYPE_VALUE_JSON,
  GEN_AI_OUTPUT_TYPE_VALUE_TEXT,
  OPENAI_API_TYPE_VALUE_RESPONSES,
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
import { responsesInputText, outputTextOf } from './usage-text.ts';
import type { CallOutput, DeclaredRequest, RequestBody, StreamReader, Surface } from './surface.ts';
import { recordOr, stringOr } from './values.ts';

/** Request members that change what the model may return: the call's declared parameters. */
const RESPONSES_PARAMETERS = [
  'temperature',
  'top_p',
  'max_output_tokens',
  'max_tool_calls',
  'tool_choice',
  'parallel_tool_calls',
  'reasoning',
  'truncation',
  'top_logprobs',
] as const;
const RESPONSES_PARAMETERS_LIST = parameterList(RESPONSES_PARAMETERS);

type JsonRecord = Readonly<Record<string, unknown>>;

/** The Responses API surface. Its operation is `chat`, told apart by `ATTR_OPENAI_API_TYPE`. */
export const responsesSurface: Surface = {
  method: 'responses.create',
  operation: GEN_AI_OPERATION_VALUE_CHAT,
  apiType: OPENAI_API_TYPE_VALUE_RESPONSES,

  describe(body: RequestBody, attributes: Attributes): void {
    setNumber(attributes, ATTR_GEN_AI_REQUEST_MAX_TOKENS, body.max_output_tokens);
    describeSampling(body, attributes);
    const formatType = recordOr(recordOr(body.text)?.format)?.type;
    if (formatType === 'json_schema' || formatType === 'json_object')
      attributes[ATTR_GEN_AI_OUTPUT_TYPE] = GEN_AI_OUTPUT_TYPE_VALUE_JSON;
    else if (formatType === 'text') attributes[ATTR_GEN_AI_OUTPUT_TYPE] = GEN_AI_OUTPUT_TYPE_VALUE_TEXT;
    const conversation =
      typeof body.conversation === 'string' ? body.conversation : stringOr(recordOr(body.conversation)?.id);
    if (conversation !== undefined) attributes[ATTR_GEN_AI_CONVERSATION_ID] = conversation;
  },

  keyConditions(body: RequestBody, key: ConditionsKey): void {
    key.parameters(body, RESPONSES_PARAMETERS_LIST);
    const text = recordOr(body.text);
    const format = recordOr(text?.format);
    key.value(format?.type);
    if (format?.type === 'json_schema') key.value(format);
    key.value(text?.verbosity);
    const instructions = body.instructions;
    if (typeof instructions === 'string') key.longText(instructions);
    else key.value(instructions);
    if (typeof body.input === 'string') key.role('user');
    else if (Array.isArray(body.input)) for (const role of inputRoles(body.input)) key.role(role);
    key.value(Array.isArray(body.tools) && body.tools.length > 0 ? body.tools : undefined);
  },

  declare(body: RequestBody): DeclaredRequest {
    const text = recordOr(body.text);
    const format = recordOr(text?.format);
    const formatType = format?.type;
    let parameters = pickParameters(body, RESPONSES_PARAMETERS);
    if (typeof formatType === 'string' && formatType !== 'json_schema')
      parameters = { ...parameters, response_format: formatType };
    if (text?.verbosity != null) parameters = { ...parameters, verbosity: text.verbosity };
    return {
      parameters,
      instructionsDigest:
        body.instructions == null
          ? undefined
          : digestInstructions(Array.isArray(body.instructions) ? body.instructions : [body.instructions]),
      templateDigest: digestTemplate(inputRoles(body.input)),
      toolsDigest: Array.isArray(body.tools) && body.tools.length > 0 ? digestByIdentity(body.tools) : undefined,
      schemaDigest: formatType === 'json_schema' ? digestByIdentity(format) : undefined,
    };
  },

  captureInput(body: RequestBody, span: Span): void {
    if (typeof body.instructions === 'string')
      recordContent(span, ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, [{ type: 'text', content: body.instructions }]);
    if (body.input !== undefined) recordContent(span, ATTR_GEN_AI_INPUT_MESSAGES, toInputMessages(body.input));
    if (Array.isArray(body.tools) && body.tools.length > 0)
      recordContent(span, ATTR_GEN_AI_TOOL_DEFINITIONS, toolDefinitions(body.tools as unknown[]));
  },

  inputText: responsesInputText,

  readResult: readResponse,

  createStreamReader(body: RequestBody, capture: boolean, keepText: boolean): StreamReader {
    return new ResponseStreamReader(body, capture, keepText);
  },
};

/** The role (or, for non-message items, the type) of each input item: the request's template. */
function inputRoles(input: unknown): string[] {
  if (typeof input === 'string') return ['user'];
  if (!Array.isArray(input)) return [];
  return (input as (JsonRecord | null)[]).map((item) => stringOr(item?.role) ?? stringOr(item?.type) ?? 'unknown');
}

/** Fills `output` from a `response` object. */
function readResponse(result: unknown, body: RequestBody, output: CallOutput, capture: boolean): void {
  const response = recordOr(result);
  if (response === undefined) return;
  output.responseId = stringOr(response.id);
  output.responseModel = stringOr(response.model);
  output.serviceTier = stringOr(response.service_tier);
  readUsage(response.usage, output);
  if (output.outputTokens === undefined) output.text = outputTextOf(response.output);

  const parts: GenAIPart[] = [];
  const toolCalls: { name: string; arguments: unknown }[] = [];
  let text: string | undefined;
  let refused = false;
  for (const entry of Array.isArray(response.output) ? (response.output as unknown[]) : []) {
    const item = recordOr(entry);
    if (item?.type === 'function_call' || item?.type === 'custom_tool_call') {
      const name = stringOr(item.name) ?? 'unknown';
      output.toolsCalled.push(name);
      toolCalls.push({ name, arguments: item.type === 'function_call' ? shapeOfJsonText(item.arguments) : 'string' });
      if (capture)
        parts.push(toToolCallPart(item.call_id, name, item.type === 'function_call' ? item.arguments : item.input));
    } else if (item?.type === 'message' && Array.isArray(item.content)) {
      for (const content of item.content as (JsonRecord | null)[]) {
        if (content?.type === 'output_text' && typeof content.text === 'string') text = (text ?? '') + content.text;
        else if (content?.type === 'refusal') refused = true;
      }
      if (capture) parts.push(...toParts(item.content));
    }
  }

  const finishReason = finishReasonOf(response, toolCalls.length > 0);
  if (finishReason !== undefined) output.finishReasons.push(finishReason);
  const json = recordOr(recordOr(recordOr(body.text)?.format))?.type;
  // JSON output is parsed once, for its shape and for its check against the schema.
  const parsed =
    (json === 'json_schema' || json === 'json_object') && text !== undefined ? parseJsonText(text) : undefined;
  output.checks = checkResponse(response, body, text, refused, finishReason, parsed);
  if (response.status === 'failed') output.errorType = stringOr(recordOr(response.error)?.code) ?? 'failed';
  if (toolCalls.length > 0) output.shapes.push({ tool_calls: toolCalls });
  else if (refused) output.shapes.push('refusal');
  else if (text === undefined) output.shapes.push('empty');
  else output.shapes.push(parsed !== undefined ? { json: shapeOfParsed(parsed) } : 'text');
  if (capture) output.messages = [{ role: 'assistant', parts, finish_reason: finishReason ?? 'error' }];
}

/** Validates function calls against the declared tools, JSON text against `text.format`, and how it ended. */
function checkResponse(
  response: JsonRecord,
  body: RequestBody,
  text: string | undefined,
  refused: boolean,
  finishReason: string | undefined,
  parsed: ParsedJson | undefined,
): OutputChecks {
  const checks = new OutputChecks();
  const tools = declaredTools(body.tools);
  const items = Array.isArray(response.output) ? (response.output as unknown[]) : [];
  if (tools !== undefined) {
    for (const [index, entry] of items.entries()) {
      const item = recordOr(entry);
      if (item?.type === 'function_call')
        checkToolCall(checks, tools, stringOr(item.name) ?? '', stringOr(item.arguments), ['output', index]);
    }
  }
  const schema = structuredOutputSchema(recordOr(body.text)?.format);
  if (schema !== undefined && text !== undefined && !refused && finishReason !== 'length')
    checkStructuredOutput(checks, schema, text, [], parsed);
  checkEnding(checks, finishReason, refused ? 'refused' : undefined, []);
  return checks;
}

/** A finish reason in chat completions' terms, from the response's status. */
function finishReasonOf(response: JsonRecord, calledTools: boolean): string | undefined {
  return responsesFinishReason({
    status: response.status,
    incompleteReason: stringOr(recordOr(response.incomplete_details)?.reason),
    calledTools,
  });
}

function toInputMessages(input: unknown): GenAIMessage[] {
  if (typeof input === 'string') return [{ role: 'user', parts: [{ type: 'text', content: input }] }];
  if (!Array.isArray(input)) return [];
  return (input as unknown[]).map((entry) => {
    const item = recordOr(entry) ?? {};
    switch (item.type) {
      case 'function_call':
        return { role: 'assistant', parts: [toToolCallPart(item.call_id, item.name, item.arguments)] };
      case 'function_call_output':
        return {
          role: 'tool',
          parts: [{ type: 'tool_call_response', id: item.call_id ?? null, response: item.output }],
        };
      case undefined:
      case 'message': {
        const role = typeof item.role === 'string' ? item.role : 'user';
        return { role: role === 'developer' ? 'system' : role, parts: toParts(item.content) };
      }
      default:
        return { role: 'assistant', parts: [{ type: String(item.type) }] };
    }
  });
}

/** Events whose `delta` is output text (or arguments, a refusal, a reasoning summary) the model wrote. */
const TEXT_DELTA_EVENTS = new Set([
  'response.output_text.delta',
  'response.refusal.delta',
  'response.function_call_arguments.delta',
  'response.custom_tool_call_input.delta',
  'response.reasoning_summary_text.delta',
]);

/**
 * Follows Responses API stream events. The terminal event (`response.completed`, `.incomplete`,
 * `.failed`) carries the whole response and its usage; a stream cut short leaves the last
 * snapshot, the output items finished so far and, when `keepText`, the text streamed so far.
 */
class ResponseStreamReader implements StreamReader {
  private readonly body: RequestBody;
  private readonly capture: boolean;
  private readonly keepText: boolean;
  private readonly items: unknown[] = [];
  private snapshot: JsonRecord | undefined;
  private final: JsonRecord | undefined;
  private streamedText = '';

  constructor(body: RequestBody, capture: boolean, keepText: boolean) {
    this.body = body;
    this.capture = capture;
    this.keepText = keepText;
  }

  read(chunk: unknown): void {
    const event = recordOr(chunk);
    if (this.keepText && typeof event?.delta === 'string' && TEXT_DELTA_EVENTS.has(event.type as string))
      this.streamedText += event.delta;
    switch (event?.type) {
      case 'response.created':
      case 'response.queued':
      case 'response.in_progress':
        this.snapshot = recordOr(event.response) ?? this.snapshot;
        break;
      case 'response.output_item.done':
        this.items.push(event.item);
        break;
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        this.final = recordOr(event.response);
        break;
    }
  }

  complete(output: CallOutput): void {
    const response = this.final ?? (this.snapshot === undefined ? undefined : { ...this.snapshot, output: this.items });
    readResponse(response, this.body, output, this.capture);
    // Cut short, the stream's text includes the item it was in the middle of.
    if (this.final === undefined && this.keepText && output.outputTokens === undefined) output.text = this.streamedText;
    this.final = this.snapshot = undefined;
    this.items.length = 0;
    this.streamedText = '';
  }
}

// An idle reader, kept for the class's shape (see `keepShapes`).
keepShapes(new ResponseStreamReader({}, false, false));
