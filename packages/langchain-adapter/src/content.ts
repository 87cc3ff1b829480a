import type { Span } from '@opentelemetry/api';
import { getSettings } from '@runproof/core';

/**
 * Sets a content attribute (tool arguments, results) only when content capture is on, after the
 * redaction hook, capped at `maxContentBytes`. Content is off by default.
 */
export function captureContent(span: Span, attribute: string, value: unknown): void {
  const settings = getSettings();
  if (!settings.captureContent || value === undefined) return;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) return;
  const redacted = settings.redact === undefined ? text : settings.redact(text, { attribute });
  if (redacted === undefined) return;
  const bytes = Buffer.from(redacted);
  span.setAttribute(attribute, bytes.length > settings.maxContentBytes ? bytes.subarray(0, settings.maxContentBytes).toString() : redacted);
}
