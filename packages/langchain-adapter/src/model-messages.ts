/**
 * A LangChain model run's messages in the GenAI conventions' JSON shape (the v1.41.1 schemas of
 * `ATTR_GEN_AI_INPUT_MESSAGES`, `ATTR_GEN_AI_OUTPUT_MESSAGES`, `ATTR_GEN_AI_SYSTEM_INSTRUCTIONS`):
 * each message a `role` and its `parts`; and the tools it was offered (`ATTR_GEN_AI_TOOL_DEFINITIONS`).
 * Only runs with content capture on get here, when the run ends.
 */
import type { Span } from '@opentelemetry/api';
import { isModelSpanClaimed, recordContent } from '@runproof/core/adapter';
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
} from '@runproof/core/semconv';
import type { RunScope } from './deferred-span.ts';
import { asRecord, finishReasonOf, type ModelRequest } from './model-attributes.ts';

/** A message in the GenAI input / output messages format. */
export interface GenAIMessage {
  role: string;
  parts: GenAIPart[];
  finish_reason?: string;
}

/** A message part in the GenAI format (`text`, `tool_call`, `tool_call_response`, `uri`, `blob`, …). */
export type GenAIPart = Record<string, unknown> & { type: string };

/** A model run's input: its system instructions, when its provider takes them apart from the history, and its messages. */
export interface GenAIInput {
  systemInstructions: GenAIPart[] | undefined;
  messages: GenAIMessage[];
}

/**
 * Providers whose API takes system instructions apart from the messages (Anthropic's `system`,
 * Gemini's `systemInstruction`, Bedrock Converse's `system`): their LangChain integrations lift the
 * system messages out of the history, so the conventions record them as system instructions.
 * Everywhere else (OpenAI's chat completions, …) a system message is part of the history and stays in
 * the input messages, as the OpenAI adapter records it.
 */
const SEPARATE_SYSTEM_PROVIDERS: ReadonlySet<string> = new Set([
  'anthropic',
  'google_genai',
  'google_vertexai',
  'amazon_bedrock',
]);

/** LangChain's message types (`getType()`) as GenAI roles. */
const ROLES: Readonly<Record<string, string>> = {
  human: 'user',
  ai: 'assistant',
  system: 'system',
  developer: 'system',
  tool: 'tool',
  function: 'tool',
};

/** What {@link recordModelMessages} reads of a model run's record. */
export interface ModelRun {
  span: Span;
  /** The run's messages or prompt, kept only when content is captured; cleared once recorded. */
  input: unknown;
  model: ModelRequest | undefined;
  scope: RunScope | undefined;
}

/**
 * With content captured (the run kept its input), as a model run ends — answered (`output`), failed,
 * or ended unanswered (an abandoned stream, shutdown): its system instructions, input messages, the
 * tools it was offered and, when it answered, output messages, each through the `redact` hook and
 * cut to `maxContentBytes`.
 * Nothing on a span a provider adapter enriched: that adapter records the request it sent (on a
 * failed attempt it gives the span back, but has recorded the input), so each is written once. The
 * caller writes content last, so that it is what the span's attribute limit drops first.
 */
export function recordModelMessages(record: ModelRun, output: unknown): void {
  const { input, model, scope } = record;
  if (input === undefined || model === undefined) return;
  record.input = undefined;
  if (scope !== undefined && (scope.inputMessagesRecorded || isModelSpanClaimed(scope.deferred))) return;
  const { systemInstructions, messages } = toInputMessages(input, model.provider);
  if (systemInstructions !== undefined) recordContent(record.span, ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, systemInstructions);
  recordContent(record.span, ATTR_GEN_AI_INPUT_MESSAGES, messages);
  if (model.tools.length > 0) recordContent(record.span, ATTR_GEN_AI_TOOL_DEFINITIONS, model.tools);
  if (output !== undefined) recordContent(record.span, ATTR_GEN_AI_OUTPUT_MESSAGES, toOutputMessages(output));
}

/**
 * The input of a model run: `input` is the run's LangChain messages (`BaseMessage[]`) or, for an
 * LLM, its prompt text.
 */
export function toInputMessages(input: unknown, provider: string): GenAIInput {
  if (typeof input === 'string') return { systemInstructions: undefined, messages: [userText(input)] };
  const messages: GenAIMessage[] = [];
  const separate = SEPARATE_SYSTEM_PROVIDERS.has(provider);
  let systemInstructions: GenAIPart[] | undefined;
  for (const item of Array.isArray(input) ? (input as unknown[]) : []) {
    const message = toMessage(item);
    if (separate && message.role === 'system') (systemInstructions ??= []).push(...message.parts);
    else messages.push(message);
  }
  return { systemInstructions, messages };
}

/**
 * The output of a model run (`LLMResult`): one assistant message per generation (choice), with its
 * finish reason as the provider reported it (`unknown` when it reported none: the schema requires
 * one).
 */
export function toOutputMessages(output: unknown): GenAIMessage[] {
  const generations = asRecord(output).generations;
  const first = Array.isArray(generations) && Array.isArray(generations[0]) ? (generations[0] as unknown[]) : [];
  return first.map((item) => {
    const generation = asRecord(item);
    const parts =
      generation.message === undefined
        ? [{ type: 'text', content: typeof generation.text === 'string' ? generation.text : '' }]
        : assistantParts(asRecord(generation.message));
    return { role: 'assistant', parts, finish_reason: finishReasonOf(item) ?? 'unknown' };
  });
}

function userText(text: string): GenAIMessage {
  return { role: 'user', parts: [{ type: 'text', content: text }] };
}

/** The message's LangChain type: `getType()` on a message instance, `type` or `role` on a plain one. */
function typeOf(message: Record<string, unknown>): string {
  if (typeof message.getType === 'function') {
    const type = (message.getType as () => unknown).call(message);
    if (typeof type === 'string') return type;
  }
  return typeof message.type === 'string' ? message.type : typeof message.role === 'string' ? message.role : 'user';
}

function toMessage(item: unknown): GenAIMessage {
  const message = asRecord(item);
  const type = typeOf(message);
  // A generic ChatMessage carries its own role.
  const role = type === 'generic' && typeof message.role === 'string' ? message.role : (ROLES[type] ?? type);
  if (role === 'tool') {
    const response = typeof message.content === 'string' ? message.content : toParts(message.content, false);
    const id = typeof message.tool_call_id === 'string' ? message.tool_call_id : null;
    return { role, parts: [{ type: 'tool_call_response', id, response }] };
  }
  if (role === 'assistant') return { role, parts: assistantParts(message) };
  return { role, parts: toParts(message.content, false) };
}

/** An AI message's text and content blocks, then its tool calls (the ones LangChain could parse, then those it could not). */
function assistantParts(message: Record<string, unknown>): GenAIPart[] {
  const toolCalls = Array.isArray(message.tool_calls) ? (message.tool_calls as unknown[]) : [];
  const invalid = Array.isArray(message.invalid_tool_calls) ? (message.invalid_tool_calls as unknown[]) : [];
  const parts = toParts(message.content, toolCalls.length + invalid.length > 0);
  for (const item of [...toolCalls, ...invalid]) {
    const call = asRecord(item);
    parts.push({ type: 'tool_call', id: call.id ?? null, name: call.name, arguments: call.args ?? null });
  }
  return parts;
}

/**
 * Message content as parts: a string is one text part; content blocks become text, reasoning,
 * refusal, `uri`, `blob` or `file` parts, and any other block a part of its own type only (its
 * fields unknown, its data not copied). A tool-call block of a message that lists its tool calls
 * (`hasToolCalls`) is left out: the tool calls are recorded once, from the list.
 */
function toParts(content: unknown, hasToolCalls: boolean): GenAIPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', content }];
  if (!Array.isArray(content)) return [];
  const parts: GenAIPart[] = [];
  for (const item of content as unknown[]) {
    const block = asRecord(item);
    const type = typeof block.type === 'string' ? block.type : 'unknown';
    switch (type) {
      case 'text':
      case 'text-plain':
        parts.push({ type: 'text', content: typeof block.text === 'string' ? block.text : '' });
        break;
      case 'reasoning':
      case 'thinking':
        parts.push({ type: 'reasoning', content: block.reasoning ?? block.thinking ?? '' });
        break;
      case 'refusal':
        parts.push({ type: 'refusal', content: block.refusal ?? '' });
        break;
      case 'image_url':
        parts.push(
          urlPart(typeof block.image_url === 'string' ? block.image_url : asRecord(block.image_url).url, 'image'),
        );
        break;
      case 'image':
      case 'audio':
      case 'video':
      case 'file':
        parts.push(dataPart(block, type));
        break;
      case 'tool_use':
      case 'tool_call':
        if (!hasToolCalls) parts.push({ type });
        break;
      default:
        parts.push({ type });
    }
  }
  return parts;
}

/**
 * A multimodal block (LangChain's standard blocks: `url`, `data` or `fileId`, `mimeType`; or the
 * older `source_type` form with `url`, `data`, `id`, `mime_type`) as a `uri`, `blob` or `file` part.
 */
function dataPart(block: Record<string, unknown>, modality: string): GenAIPart {
  const mimeType = block.mimeType ?? block.mime_type ?? null;
  const fileId = block.fileId ?? (block.source_type === 'id' ? block.id : undefined);
  if (typeof fileId === 'string') return { type: 'file', modality, mime_type: mimeType, file_id: fileId };
  if (typeof block.url === 'string') {
    const part = urlPart(block.url, modality);
    return mimeType === null ? part : { ...part, mime_type: mimeType };
  }
  if (typeof block.data === 'string') return { type: 'blob', modality, mime_type: mimeType, content: block.data };
  if (block.data instanceof Uint8Array)
    return { type: 'blob', modality, mime_type: mimeType, content: Buffer.from(block.data).toString('base64') };
  if (typeof block.text === 'string') return { type: 'text', content: block.text };
  return { type: String(block.type) };
}

/** A URL as a `uri` part; a `data:` URL is the content itself, a `blob` part. */
function urlPart(url: unknown, modality: string): GenAIPart {
  if (typeof url === 'string' && url.startsWith('data:')) {
    const match = /^data:([^;,]+)?(?:;base64)?,(.*)$/s.exec(url);
    return { type: 'blob', modality, mime_type: match?.[1] ?? null, content: match?.[2] ?? '' };
  }
  return { type: 'uri', modality, uri: url };
}
