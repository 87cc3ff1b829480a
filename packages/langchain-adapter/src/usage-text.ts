/**
 * The text a model run's tokens are estimated from when the provider reports no usage (ChatOpenAI
 * with `streamUsage: false`, a provider that reports none): what the model reads, and what it
 * wrote. Only text counts — message types, text content, tool names and arguments; images, audio
 * and files are left out. Core counts the tokens (`guardModelCall`), and only in a run with a token
 * or cost budget.
 */
import { asRecord } from './model-attributes.ts';

/** Deeper than any message list nests its text. */
const MAX_DEPTH = 6;

/**
 * What a chat model or LLM run makes the model read: its messages (a chat model's `BaseMessage[][]`)
 * or prompts (an LLM's `string[]`), and the tool definitions in its invocation parameters.
 *
 * @example
 * inputTextOf([[new HumanMessage('Hi')]], {}) // 'human\nHi'
 */
export function inputTextOf(messages: unknown, extraParams: unknown): string {
  const pieces: string[] = [];
  collectText(messages, pieces, true, 0);
  const tools = asRecord(asRecord(extraParams).invocation_params).tools;
  if (Array.isArray(tools) && tools.length > 0) pushJson(tools, pieces);
  return pieces.join('\n');
}

/** What a model run wrote: the text and tool calls of every generation of its `LLMResult`. */
export function outputTextOf(output: unknown): string {
  const pieces: string[] = [];
  const generations = asRecord(output).generations;
  for (const generation of Array.isArray(generations) ? (generations as unknown[]).flat() : []) {
    const { message, text } = asRecord(generation);
    if (message !== undefined) collectText(message, pieces, false, 0);
    else if (typeof text === 'string' && text !== '') pieces.push(text);
  }
  return pieces.join('\n');
}

/** Gathers the text of a message, a content part or a list of them onto `into`; `withType`: each message's type too (it stands for its framing tokens). */
function collectText(value: unknown, into: string[], withType: boolean, depth: number): void {
  if (typeof value === 'string') {
    if (value !== '') into.push(value);
    return;
  }
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) collectText(item, into, withType, depth + 1);
    return;
  }
  const { type, content, text, tool_calls: toolCalls } = value as Record<string, unknown>;
  // A message has content; a content part (`{ type: 'text', text }`) has text.
  if (content !== undefined) {
    if (withType && typeof type === 'string') into.push(type);
    collectText(content, into, withType, depth + 1);
  } else if (typeof text === 'string' && text !== '') into.push(text);
  for (const call of Array.isArray(toolCalls) ? (toolCalls as unknown[]) : []) {
    const { name, args } = asRecord(call);
    if (typeof name === 'string') into.push(name);
    if (args !== undefined) pushJson(args, into);
  }
}

function pushJson(value: unknown, into: string[]): void {
  try {
    into.push(JSON.stringify(value));
  } catch {
    // A value that cannot be serialized cannot have been sent either.
  }
}
