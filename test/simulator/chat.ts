/**
 * POST /v1/chat/completions: `chat.completion` JSON and `chat.completion.chunk` SSE streams in
 * the real API's wire format, including `n > 1`, tool calls, refusals, structured outputs and
 * `stream_options.include_usage`.
 */
import { createId } from './identity.ts';
import { sendError, sendJson } from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { isRecord } from './records.ts';
import { extractText, splitTokens } from './reply-text.ts';
import { writeEventStream } from './sse.ts';
import type { SseEvent } from './sse.ts';
import { computeUsage, estimateInputTokens, planTurn, serializeOptional } from './turn.ts';
import type { AssistantTurn, ResponseFormat, TokenUsage, ToolChoice, ToolDefinition, TurnRequest } from './turn.ts';

type Message = Readonly<Record<string, unknown>>;

/** Answers a chat completions request (JSON or, with `stream: true`, SSE). */
export async function handleChatCompletions(exchange: Exchange): Promise<void> {
  const { body, script } = exchange;
  if (typeof body.model !== 'string' || body.model === '') {
    return sendError(exchange, 400, { message: 'you must provide a model parameter' });
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return sendError(exchange, 400, {
      message: "Missing required parameter: 'messages'.",
      param: 'messages',
      code: 'missing_required_parameter',
    });
  }
  const messages = body.messages.filter(isRecord);
  const model = exchange.resolveModel(body.model);
  const count = typeof body.n === 'number' && body.n > 1 ? Math.floor(body.n) : 1;
  const turnRequest = toTurnRequest(body, messages);
  const turns = Array.from({ length: count }, (_, index) => planTurn(turnRequest, script, index));
  const inputTokens = estimateInputTokens(
    messages.map(messageText),
    serializeOptional(body.tools, body.response_format),
  );
  const usage = computeUsage(model, inputTokens, turns, script?.usage);
  const header = {
    id: createId('chatcmpl-', 29),
    created: Math.floor(Date.now() / 1000),
    model,
    service_tier: body.service_tier === undefined || body.service_tier === 'auto' ? 'default' : body.service_tier,
    system_fingerprint: exchange.systemFingerprintFor(model),
  };

  if (body.stream === true) {
    const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
    const includeUsage = streamOptions.include_usage === true;
    await writeEventStream(exchange, createChunks(header, turns, includeUsage ? usage : undefined), { done: true });
    return;
  }
  sendJson(exchange, 200, {
    id: header.id,
    object: 'chat.completion',
    created: header.created,
    model,
    choices: turns.map((turn, index) => ({
      index,
      message: {
        role: 'assistant',
        content: turn.content,
        refusal: turn.refusal,
        annotations: [],
        ...(turn.toolCalls.length > 0 && {
          tool_calls: turn.toolCalls.map((call) => ({
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: call.arguments },
          })),
        }),
      },
      logprobs: null,
      finish_reason: turn.finishReason,
    })),
    usage: toWireUsage(usage),
    service_tier: header.service_tier,
    system_fingerprint: header.system_fingerprint,
  });
}

interface ChunkHeader {
  id: string;
  created: number;
  model: string;
  service_tier: unknown;
  system_fingerprint: string | null;
}

/** The stream's chunks: each choice's deltas, interleaved by index, then the usage chunk. */
function* createChunks(
  header: ChunkHeader,
  turns: readonly AssistantTurn[],
  usage: TokenUsage | undefined,
): Generator<SseEvent> {
  const base = {
    id: header.id,
    object: 'chat.completion.chunk',
    created: header.created,
    model: header.model,
    service_tier: header.service_tier,
    system_fingerprint: header.system_fingerprint,
  };
  const usageField = usage === undefined ? {} : { usage: null };
  const sequences = turns.map(createDeltas);
  const longest = Math.max(...sequences.map((sequence) => sequence.length));
  for (let step = 0; step < longest; step++) {
    for (let index = 0; index < sequences.length; index++) {
      const entry = sequences[index]![step];
      if (entry === undefined) continue;
      const choice = { index, delta: entry.delta, logprobs: null, finish_reason: entry.finishReason };
      yield { data: { ...base, choices: [choice], ...usageField } };
    }
  }
  if (usage !== undefined) yield { data: { ...base, choices: [], usage: toWireUsage(usage) } };
}

interface DeltaEntry {
  delta: Record<string, unknown>;
  finishReason: string | null;
}

/** One choice's deltas as the real API splits them: role first, then content or arguments, then the finish. */
function createDeltas(turn: AssistantTurn): DeltaEntry[] {
  const deltas: DeltaEntry[] = [];
  const push = (delta: Record<string, unknown>): void => {
    deltas.push({ delta, finishReason: null });
  };
  if (turn.toolCalls.length > 0) {
    turn.toolCalls.forEach((call, callIndex) => {
      const start = { index: callIndex, id: call.id, type: 'function', function: { name: call.name, arguments: '' } };
      push(
        callIndex === 0
          ? { role: 'assistant', content: null, tool_calls: [start], refusal: null }
          : { tool_calls: [start] },
      );
      for (const piece of splitTokens(call.arguments))
        push({ tool_calls: [{ index: callIndex, function: { arguments: piece } }] });
    });
  } else if (turn.refusal !== null) {
    push({ role: 'assistant', content: null, refusal: '' });
    for (const piece of splitTokens(turn.refusal)) push({ refusal: piece });
  } else {
    push({ role: 'assistant', content: '', refusal: null });
    for (const piece of splitTokens(turn.content ?? '')) push({ content: piece });
  }
  deltas.push({ delta: {}, finishReason: turn.finishReason });
  return deltas;
}

function toWireUsage(usage: TokenUsage): Record<string, unknown> {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: usage.reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function toTurnRequest(body: Readonly<Record<string, unknown>>, messages: readonly Message[]): TurnRequest {
  const last = messages.at(-1);
  const lastUser = messages.findLast((message) => message.role === 'user');
  let toolResult: TurnRequest['toolResult'];
  if (last?.role === 'tool')
    toolResult = { name: findToolName(messages, last.tool_call_id), output: extractText(last.content) };
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  return {
    prompt: lastUser === undefined ? '' : extractText(lastUser.content),
    toolResult,
    tools: toToolDefinitions(body.tools),
    toolChoice: toToolChoice(body.tool_choice),
    responseFormat: toResponseFormat(body.response_format),
    maxOutputTokens: typeof maxTokens === 'number' ? maxTokens : undefined,
  };
}

function findToolName(messages: readonly Message[], toolCallId: unknown): string | undefined {
  for (const message of messages) {
    if (!Array.isArray(message.tool_calls)) continue;
    for (const call of message.tool_calls) {
      if (isRecord(call) && call.id === toolCallId && isRecord(call.function) && typeof call.function.name === 'string')
        return call.function.name;
    }
  }
  return undefined;
}

function toToolDefinitions(tools: unknown): ToolDefinition[] {
  if (!Array.isArray(tools)) return [];
  const definitions: ToolDefinition[] = [];
  for (const tool of tools) {
    if (isRecord(tool) && isRecord(tool.function) && typeof tool.function.name === 'string') {
      definitions.push({ name: tool.function.name, parameters: tool.function.parameters });
    }
  }
  return definitions;
}

function toToolChoice(choice: unknown): ToolChoice {
  if (choice === 'none' || choice === 'required') return choice;
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === 'string')
    return { name: choice.function.name };
  return 'auto';
}

function toResponseFormat(format: unknown): ResponseFormat | undefined {
  if (!isRecord(format)) return undefined;
  if (format.type === 'json_schema' && isRecord(format.json_schema))
    return { type: 'json_schema', schema: format.json_schema.schema };
  if (format.type === 'json_object') return { type: 'json_object' };
  return undefined;
}

function messageText(message: Message): string {
  const toolCalls = Array.isArray(message.tool_calls) ? JSON.stringify(message.tool_calls) : '';
  return extractText(message.content) + toolCalls;
}
