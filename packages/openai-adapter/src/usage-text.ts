/**
 * The text a call's tokens are estimated from when the API reports no usage (a stream without
 * `stream_options.include_usage`, a stream cut short) and before a call in a run with a token or
 * cost budget: what the model reads, and what it wrote. Only text counts — roles, message text,
 * refusals, tool names and arguments, tool results, reasoning summaries; images, audio and files
 * are left out. Core counts the tokens (`guardModelCall`); nothing here runs outside such a run.
 */
import type { RequestBody } from './surface.ts';

/** Members that hold text, or hold what holds it; every other member (types, ids, image and file data) is skipped. */
const OUTPUT_KEYS: readonly string[] = [
  'content',
  'text',
  'refusal',
  'tool_calls',
  'function',
  'name',
  'arguments',
  'output',
  'summary',
];
/** In what the model reads, each message's role counts too (it stands for the message's framing tokens). */
const INPUT_KEYS: readonly string[] = ['role', ...OUTPUT_KEYS];

/** Deeper than any message or output item nests its text. */
const MAX_DEPTH = 6;

/**
 * Gathers the text in `value` — a string, a message, an output item, or a list of them — onto
 * `into`, one piece per string, reading the members `keys` names.
 *
 * @example
 * const pieces: string[] = [];
 * collectText([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], pieces); // pieces: ['user', 'Hi']
 */
export function collectText(value: unknown, into: string[], keys = INPUT_KEYS, depth = 0): void {
  if (typeof value === 'string') {
    if (value !== '') into.push(value);
    return;
  }
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) collectText(item, into, keys, depth + 1);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of keys) if (record[key] !== undefined) collectText(record[key], into, keys, depth + 1);
}

/** What the model wrote in `value` (messages or output items, without their roles), its pieces on separate lines. */
export function outputTextOf(value: unknown): string {
  const pieces: string[] = [];
  collectText(value, pieces, OUTPUT_KEYS);
  return pieces.join('\n');
}

/** What a chat completions request makes the model read: its messages, tool definitions and response format. */
export function chatInputText(body: RequestBody): string {
  const pieces: string[] = [];
  collectText(body.messages, pieces);
  appendJson(body.tools, pieces);
  appendJson(body.response_format, pieces);
  return pieces.join('\n');
}

/** What a Responses API request makes the model read: its instructions, input items, tool definitions and text format. */
export function responsesInputText(body: RequestBody): string {
  const pieces: string[] = [];
  collectText(body.instructions, pieces);
  collectText(body.input, pieces);
  appendJson(body.tools, pieces);
  appendJson(body.text, pieces);
  return pieces.join('\n');
}

/** What an embeddings request embeds: its text, or texts (token arrays are not text and are left out). */
export function embeddingsInputText(body: RequestBody): string {
  const pieces: string[] = [];
  collectText(body.input, pieces);
  return pieces.join('\n');
}

/** Definitions the model reads as the API renders them, close enough to their JSON. */
function appendJson(value: unknown, into: string[]): void {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return;
  try {
    into.push(JSON.stringify(value));
  } catch {
    // A definition that cannot be serialized cannot have been sent either.
  }
}
