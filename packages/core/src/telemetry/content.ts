import type { Span } from '@opentelemetry/api';
import { safely } from '../safely.ts';
import { getSettings } from '../settings.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * For adapters: sets a content attribute (messages, instructions, tool arguments or results) —
 * a string as it is, anything else as JSON — after the `redact` hook and cut to `maxContentBytes`
 * on a character boundary. A hook that throws or returns `undefined` drops the value. Never
 * throws. The caller decides whether content is captured; {@link captureContent} checks the
 * settings itself.
 *
 * @example
 * if (capture) recordContent(span, ATTR_GEN_AI_INPUT_MESSAGES, messages);
 */
export function recordContent(span: Span, attribute: string, value: unknown): void {
  safely(`recording ${attribute}`, undefined, () => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    const recorded = text === undefined ? undefined : contentText(text, attribute);
    if (recorded !== undefined) span.setAttribute(attribute, recorded);
  });
}

/**
 * Content text as it may be recorded under `attribute`: after the `redact` hook, cut to
 * `maxContentBytes`; `undefined` when the hook drops it (returns anything but a string). The
 * caller decides whether content is captured, and catches what the hook throws.
 *
 * @example
 * const message = contentText(error.message, ATTR_EXCEPTION_MESSAGE) ?? WITHHELD;
 */
export function contentText(text: string, attribute: string): string | undefined {
  const settings = getSettings();
  const redacted = settings.redact === undefined ? text : settings.redact(text, { attribute });
  return typeof redacted === 'string' ? capBytes(redacted, settings.maxContentBytes) : undefined;
}

/**
 * {@link recordContent} when content capture is on (`captureContent`,
 * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`); nothing otherwise, the default.
 *
 * @example
 * captureContent(span, ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, input);
 */
export function captureContent(span: Span, attribute: string, value: unknown): void {
  if (getSettings().captureContent && value !== undefined) recordContent(span, attribute, value);
}

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes, on a character boundary. A cut text is a new
 * string that does not hold on to `text`: a span queued for export keeps only what it will send.
 *
 * @example
 * capBytes('héllo', 2) // 'h'
 */
export function capBytes(text: string, maxBytes: number): string {
  // Every UTF-16 code unit takes at most 3 UTF-8 bytes, so short text needs no counting.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = new Uint8Array(Math.max(0, maxBytes));
  const { read, written } = encoder.encodeInto(text, bytes);
  if (read >= text.length) return text;
  // Not `text.slice(0, read)`: V8 makes that a view of the whole of `text`, which keeps it alive.
  return decoder.decode(bytes.subarray(0, written));
}
