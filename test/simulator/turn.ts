/**
 * What the simulated model says in one assistant turn, independent of the wire format: text, a
 * refusal or tool calls, the finish reason, and the token usage. Chat Completions and the
 * Responses API normalize their requests into a `TurnRequest` and render the `AssistantTurn`.
 */
import { createId, isReasoningModel } from './identity.ts';
import {
  createDefaultReply,
  createJsonObjectReply,
  createToolSummaryReply,
  estimateTokens,
  splitTokens,
  truncateToTokens,
} from './reply-text.ts';
import { sampleFromSchema } from './samples.ts';
import type { Script, ScriptedUsage } from './script.ts';

export interface ToolDefinition {
  name: string;
  /** JSON Schema of the arguments. */
  parameters: unknown;
}

export type ResponseFormat = { type: 'json_schema'; schema: unknown } | { type: 'json_object' };

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

export interface TurnRequest {
  /** Text of the last user message. */
  prompt: string;
  /** Set when the last input is a tool result: the model then summarizes it instead of calling a tool. */
  toolResult: { name: string | undefined; output: string } | undefined;
  tools: ToolDefinition[];
  toolChoice: ToolChoice;
  responseFormat: ResponseFormat | undefined;
  maxOutputTokens: number | undefined;
}

export interface PlannedToolCall {
  id: string;
  name: string;
  arguments: string;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface AssistantTurn {
  content: string | null;
  refusal: string | null;
  toolCalls: PlannedToolCall[];
  finishReason: FinishReason;
}

/**
 * The turn for a request: the script's content if it has any, else a tool call when tools are
 * offered (and the last input is not a tool result), else JSON for a JSON response format, else
 * a text answer. `variant` is the choice index when `n > 1`.
 */
export function planTurn(request: TurnRequest, script: Script | undefined, variant: number): AssistantTurn {
  const turn = planContent(request, script, variant);
  if (
    turn.content !== null &&
    request.maxOutputTokens !== undefined &&
    splitTokens(turn.content).length > request.maxOutputTokens
  ) {
    turn.content = truncateToTokens(turn.content, request.maxOutputTokens);
    turn.finishReason = 'length';
  }
  if (script?.finishReason !== undefined) turn.finishReason = script.finishReason;
  return turn;
}

function planContent(request: TurnRequest, script: Script | undefined, variant: number): AssistantTurn {
  if (script?.toolCalls !== undefined) {
    const toolCalls = script.toolCalls.map((call) => ({
      id: createId('call_'),
      name: call.name,
      arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    }));
    return { content: null, refusal: null, toolCalls, finishReason: 'tool_calls' };
  }
  if (script?.refusal !== undefined)
    return { content: null, refusal: script.refusal, toolCalls: [], finishReason: 'stop' };
  if (script?.json !== undefined) return textTurn(JSON.stringify(script.json));
  if (script?.reply !== undefined) return textTurn(script.reply);

  const tool = chooseTool(request);
  if (tool !== undefined) {
    const call = {
      id: createId('call_'),
      name: tool.name,
      arguments: JSON.stringify(sampleFromSchema(tool.parameters)),
    };
    return { content: null, refusal: null, toolCalls: [call], finishReason: 'tool_calls' };
  }
  if (request.responseFormat?.type === 'json_schema')
    return textTurn(JSON.stringify(sampleFromSchema(request.responseFormat.schema)));
  if (request.responseFormat?.type === 'json_object') return textTurn(createJsonObjectReply(request.prompt));
  if (request.toolResult !== undefined) {
    return textTurn(createToolSummaryReply(request.toolResult.name, request.toolResult.output, variant));
  }
  return textTurn(createDefaultReply(request.prompt, variant));
}

function chooseTool(request: TurnRequest): ToolDefinition | undefined {
  if (request.tools.length === 0 || request.toolResult !== undefined || request.toolChoice === 'none') return undefined;
  const { toolChoice } = request;
  if (typeof toolChoice === 'object')
    return request.tools.find((tool) => tool.name === toolChoice.name) ?? request.tools[0];
  return request.tools[0];
}

function textTurn(content: string): AssistantTurn {
  return { content, refusal: null, toolCalls: [], finishReason: 'stop' };
}

/** Token usage in API-neutral terms; each endpoint renders it in its wire format. */
export interface TokenUsage {
  inputTokens: number;
  /** Includes `reasoningTokens`, as the real API's `completion_tokens` / `output_tokens` do. */
  outputTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
}

/** Input tokens for the texts of a prompt (~4 per message of overhead) plus serialized tools/schemas. */
export function estimateInputTokens(texts: readonly string[], extra: string): number {
  let tokens = 3 + estimateTokens(extra);
  for (const text of texts) tokens += 4 + estimateTokens(text);
  return tokens;
}

/** The JSON of the request fields that count as input besides messages (tools, schemas), '' when absent. */
export function serializeOptional(...values: unknown[]): string {
  let text = '';
  for (const value of values) if (value !== undefined && value !== null) text += JSON.stringify(value);
  return text;
}

/**
 * Usage for the turns of one response. Prompts of 1024+ tokens report their cacheable prefix
 * (1024 + 128-token increments) as cached, and reasoning models spend reasoning tokens, as the real
 * API does; script overrides win.
 */
export function computeUsage(
  model: string,
  inputTokens: number,
  turns: readonly AssistantTurn[],
  override?: ScriptedUsage,
): TokenUsage {
  let visibleTokens = 0;
  for (const turn of turns) {
    visibleTokens += estimateTokens(turn.content ?? turn.refusal ?? '');
    for (const call of turn.toolCalls) visibleTokens += 6 + estimateTokens(call.name) + estimateTokens(call.arguments);
  }
  const reasoningTokens =
    override?.reasoningTokens ?? (isReasoningModel(model) ? 64 * Math.ceil(Math.max(visibleTokens, 1) / 20) : 0);
  const cachedTokens =
    override?.cachedTokens ?? (inputTokens >= 1024 ? 1024 + Math.floor((inputTokens - 1024) / 128) * 128 : 0);
  return {
    inputTokens: override?.inputTokens ?? inputTokens,
    outputTokens: override?.outputTokens ?? visibleTokens + reasoningTokens,
    cachedTokens,
    reasoningTokens,
  };
}
