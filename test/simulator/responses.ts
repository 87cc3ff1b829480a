/**
 * POST /v1/responses: the Responses API, as a `response` JSON object or a stream of typed events
 * (`response.created` … `response.completed`, each with `sequence_number`), with message,
 * refusal, function-call and (for reasoning models) reasoning output items.
 */
import { createHexId, isReasoningModel } from './identity.ts';
import { sendError, sendJson } from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { isRecord } from './records.ts';
import { extractText, splitTokens } from './reply-text.ts';
import { writeEventStream } from './sse.ts';
import type { SseEvent } from './sse.ts';
import { computeUsage, estimateInputTokens, planTurn, serializeOptional } from './turn.ts';
import type { AssistantTurn, ResponseFormat, TokenUsage, ToolChoice, ToolDefinition, TurnRequest } from './turn.ts';

type Item = Readonly<Record<string, unknown>>;
type OutputItem = Record<string, unknown> & { id: string; type: string };

/** Answers a Responses API request (JSON or, with `stream: true`, SSE events). */
export async function handleResponses(exchange: Exchange): Promise<void> {
  const { body, script } = exchange;
  if (typeof body.model !== 'string' || body.model === '') {
    return sendError(exchange, 400, {
      message: "Missing required parameter: 'model'.",
      param: 'model',
      code: 'missing_required_parameter',
    });
  }
  const items = toInputItems(body.input);
  const model = exchange.resolveModel(body.model);
  const turn = planTurn(toTurnRequest(body, items), script, 0);
  const instructions = typeof body.instructions === 'string' ? body.instructions : null;
  const texts = [...(instructions === null ? [] : [instructions]), ...items.map(itemText)];
  const usage = computeUsage(
    model,
    estimateInputTokens(texts, serializeOptional(body.tools, body.text)),
    [turn],
    script?.usage,
  );
  const output = createOutputItems(turn, model);
  const incomplete = turn.finishReason === 'length';
  const response = {
    id: createHexId('resp_', 25),
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: incomplete ? 'incomplete' : 'completed',
    background: false,
    completed_at: Math.floor(Date.now() / 1000),
    error: null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    instructions,
    max_output_tokens: typeof body.max_output_tokens === 'number' ? body.max_output_tokens : null,
    max_tool_calls: null,
    model,
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    prompt_cache_key: null,
    reasoning: { effort: isRecord(body.reasoning) ? (body.reasoning.effort ?? null) : null, summary: null },
    safety_identifier: null,
    service_tier: body.service_tier === undefined || body.service_tier === 'auto' ? 'default' : body.service_tier,
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: {
      format: isRecord(body.text) && isRecord(body.text.format) ? body.text.format : { type: 'text' },
      verbosity: 'medium',
    },
    tool_choice: body.tool_choice ?? 'auto',
    tools: Array.isArray(body.tools) ? body.tools : [],
    top_logprobs: 0,
    top_p: body.top_p ?? 1,
    truncation: 'disabled',
    usage: toWireUsage(usage),
    user: null,
    metadata: isRecord(body.metadata) ? body.metadata : {},
  };
  if (body.stream === true) {
    await writeEventStream(exchange, createEvents(response, output), { done: false });
    return;
  }
  sendJson(exchange, 200, response);
}

function createOutputItems(turn: AssistantTurn, model: string): OutputItem[] {
  const items: OutputItem[] = [];
  if (isReasoningModel(model)) items.push({ id: createHexId('rs_', 25), type: 'reasoning', summary: [] });
  for (const call of turn.toolCalls) {
    items.push({
      id: createHexId('fc_', 25),
      type: 'function_call',
      status: 'completed',
      arguments: call.arguments,
      call_id: call.id,
      name: call.name,
    });
  }
  if (turn.toolCalls.length === 0) {
    const part =
      turn.refusal === null
        ? { type: 'output_text', annotations: [], logprobs: [], text: turn.content ?? '' }
        : { type: 'refusal', refusal: turn.refusal };
    const status = turn.finishReason === 'length' ? 'incomplete' : 'completed';
    items.push({ id: createHexId('msg_', 25), type: 'message', status, content: [part], role: 'assistant' });
  }
  return items;
}

/** The stream's events, in the order and shape the real API sends them. */
function* createEvents(response: Record<string, unknown>, output: readonly OutputItem[]): Generator<SseEvent> {
  let sequence = 0;
  const event = (type: string, fields: Record<string, unknown>): SseEvent => ({
    event: type,
    data: { type, sequence_number: sequence++, ...fields },
  });
  const pending = {
    ...response,
    status: 'in_progress',
    completed_at: null,
    incomplete_details: null,
    output: [],
    usage: null,
  };
  yield event('response.created', { response: pending });
  yield event('response.in_progress', { response: pending });
  for (const [outputIndex, item] of output.entries()) {
    const at = { item_id: item.id, output_index: outputIndex };
    if (item.type === 'function_call') {
      yield event('response.output_item.added', {
        output_index: outputIndex,
        item: { ...item, status: 'in_progress', arguments: '' },
      });
      for (const delta of splitTokens(String(item.arguments)))
        yield event('response.function_call_arguments.delta', { ...at, delta });
      yield event('response.function_call_arguments.done', { ...at, arguments: item.arguments });
    } else if (item.type === 'message') {
      yield event('response.output_item.added', {
        output_index: outputIndex,
        item: { ...item, status: 'in_progress', content: [] },
      });
      const part = (item.content as Array<Record<string, unknown>>)[0]!;
      const partAt = { ...at, content_index: 0 };
      if (part.type === 'refusal') {
        yield event('response.content_part.added', { ...partAt, part: { type: 'refusal', refusal: '' } });
        for (const delta of splitTokens(String(part.refusal)))
          yield event('response.refusal.delta', { ...partAt, delta });
        yield event('response.refusal.done', { ...partAt, refusal: part.refusal });
      } else {
        yield event('response.content_part.added', { ...partAt, part: { ...part, text: '' } });
        for (const delta of splitTokens(String(part.text)))
          yield event('response.output_text.delta', { ...partAt, delta, logprobs: [] });
        yield event('response.output_text.done', { ...partAt, text: part.text, logprobs: [] });
      }
      yield event('response.content_part.done', { ...partAt, part });
    } else {
      yield event('response.output_item.added', { output_index: outputIndex, item });
    }
    yield event('response.output_item.done', { output_index: outputIndex, item });
  }
  yield event(response.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response });
}

function toWireUsage(usage: TokenUsage): Record<string, unknown> {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedTokens },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

function toInputItems(input: unknown): Item[] {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  return Array.isArray(input) ? input.filter(isRecord) : [];
}

function toTurnRequest(body: Readonly<Record<string, unknown>>, items: readonly Item[]): TurnRequest {
  const last = items.at(-1);
  const lastUser = items.findLast((item) => item.role === 'user');
  let toolResult: TurnRequest['toolResult'];
  if (last?.type === 'function_call_output') {
    const call = items.find((item) => item.type === 'function_call' && item.call_id === last.call_id);
    toolResult = {
      name: typeof call?.name === 'string' ? call.name : undefined,
      output: typeof last.output === 'string' ? last.output : JSON.stringify(last.output),
    };
  }
  return {
    prompt: lastUser === undefined ? '' : extractText(lastUser.content),
    toolResult,
    tools: toToolDefinitions(body.tools),
    toolChoice: toToolChoice(body.tool_choice),
    responseFormat: toResponseFormat(isRecord(body.text) ? body.text.format : undefined),
    maxOutputTokens: typeof body.max_output_tokens === 'number' ? body.max_output_tokens : undefined,
  };
}

function toToolDefinitions(tools: unknown): ToolDefinition[] {
  if (!Array.isArray(tools)) return [];
  return tools
    .filter((tool) => isRecord(tool) && tool.type === 'function' && typeof tool.name === 'string')
    .map((tool: Item) => ({ name: tool.name as string, parameters: tool.parameters }));
}

function toToolChoice(choice: unknown): ToolChoice {
  if (choice === 'none' || choice === 'required') return choice;
  if (isRecord(choice) && choice.type === 'function' && typeof choice.name === 'string') return { name: choice.name };
  return 'auto';
}

function toResponseFormat(format: unknown): ResponseFormat | undefined {
  if (!isRecord(format)) return undefined;
  if (format.type === 'json_schema') return { type: 'json_schema', schema: format.schema };
  if (format.type === 'json_object') return { type: 'json_object' };
  return undefined;
}

function itemText(item: Item): string {
  if (item.type === 'function_call')
    return (
      (typeof item.name === 'string' ? item.name : '') + (typeof item.arguments === 'string' ? item.arguments : '')
    );
  if (item.type === 'function_call_output')
    return typeof item.output === 'string' ? item.output : JSON.stringify(item.output ?? '');
  return extractText(item.content);
}
