/**
 * Opt-in content capture: prompts, instructions, completions and tool definitions as GenAI
 * structured JSON span attributes (`ATTR_GEN_AI_INPUT_MESSAGES`, …). Off by default; nothing here runs
 * unless the call captures content. Each value goes through the `redact` hook (a hook that throws
 * or returns `undefined` drops the value) and is cut to `maxContentBytes`.
 */
import { getSettings } from '@runproof/core/adapter';

/** A message in the GenAI input / output messages format. */
export interface GenAIMessage {
  role: string;
  parts: GenAIPart[];
  finish_reason?: string;
}

/** A message part in the GenAI format (`text`, `tool_call`, `tool_call_response`, `uri`, …). */
export type GenAIPart = Record<string, unknown> & { type: string };

/** Whether the call should capture content: the instrumentation's option, else the settings `start()` resolved. */
export function shouldCaptureContent(override: boolean | undefined): boolean {
  return override ?? getSettings().captureContent;
}

/** Message content (a string or an array of content parts) as GenAI parts. */
export function toParts(content: unknown): GenAIPart[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  if (!Array.isArray(content)) return [];
  const parts: GenAIPart[] = [];
  for (const part of content as Record<string, unknown>[]) {
    if (part === null || typeof part !== 'object') continue;
    switch (part.type) {
      case 'text':
      case 'input_text':
      case 'output_text':
        parts.push({ type: 'text', content: part.text });
        break;
      case 'refusal':
        parts.push({ type: 'refusal', content: part.refusal });
        break;
      case 'image_url': {
        const image = part.image_url as { url?: unknown } | undefined;
        parts.push(toImagePart(image?.url));
        break;
      }
      case 'input_image':
        parts.push(
          typeof part.file_id === 'string'
            ? { type: 'file', modality: 'image', file_id: part.file_id }
            : toImagePart(part.image_url),
        );
        break;
      default:
        parts.push({ type: String(part.type) });
    }
  }
  return parts;
}

/** A tool call as a GenAI `tool_call` part; JSON arguments are recorded as the object they encode. */
export function toToolCallPart(id: unknown, name: unknown, argumentsText: unknown): GenAIPart {
  return { type: 'tool_call', id: id ?? null, name, arguments: parseArguments(argumentsText) };
}

function parseArguments(text: unknown): unknown {
  if (typeof text !== 'string') return text ?? null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toImagePart(url: unknown): GenAIPart {
  // A data: URL is the image itself, not a reference: record it as a blob.
  if (typeof url === 'string' && url.startsWith('data:')) {
    const match = /^data:([^;,]+)?(?:;base64)?,(.*)$/s.exec(url);
    return { type: 'blob', modality: 'image', mime_type: match?.[1] ?? null, content: match?.[2] ?? '' };
  }
  return { type: 'uri', modality: 'image', uri: url };
}
