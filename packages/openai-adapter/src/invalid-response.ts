/**
 * A 200 response that is not in the endpoint's format: a gateway or proxy in front of the API
 * answering with its own page. The SDK does not fail on it — a JSON endpoint's result is then the
 * page as a string, a stream has no events — so the call would look successful. These functions
 * say what was received instead, without quoting the body.
 */
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ERROR_TYPE_VALUE_INVALID_RESPONSE } from '@runproof/core/semconv';
import { recordOr } from './values.ts';

/** The response headers the SDK hands over (a fetch `Headers`). */
export interface ResponseHeaders {
  get(name: string): string | null;
}

/**
 * Why `result`, what the SDK parsed from a JSON endpoint's response, is not a response of that
 * endpoint (`expected a JSON body, received text/html`); `undefined` when it is a JSON object.
 *
 * @example
 * describeNonJsonResult('<!DOCTYPE html>…', headers) // 'expected a JSON body, received text/html; charset=utf-8'
 */
export function describeNonJsonResult(result: unknown, headers: ResponseHeaders | undefined): string | undefined {
  if (recordOr(result) !== undefined) return undefined;
  const empty = result === undefined || result === null || result === '';
  return `expected a JSON body, received ${empty ? 'an empty body' : contentTypeOf(headers)}`;
}

/**
 * Why a stream that ended without a single event was not an event stream (`expected an event
 * stream, received text/html`); `undefined` when the response said it was one, or said nothing.
 */
export function describeNonEventStream(headers: ResponseHeaders | undefined): string | undefined {
  const type = headers?.get('content-type');
  if (typeof type !== 'string' || type.toLowerCase().includes('text/event-stream')) return undefined;
  return `expected an event stream, received ${type}`;
}

/**
 * Why a JSON endpoint's response whose parse failed was no answer of the API: its content type
 * was not JSON (the SDK then handles the body as text, and its own post-processing may throw on
 * it); `undefined` for a JSON content type (a malformed JSON body keeps the parser's error) or
 * none known.
 */
export function describeNonJsonBody(headers: ResponseHeaders | undefined): string | undefined {
  const type = headers?.get('content-type');
  if (typeof type !== 'string') return undefined;
  // The SDK's own test for a JSON body.
  const mediaType = type.split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType.includes('application/json') || mediaType.endsWith('+json')
    ? undefined
    : `expected a JSON body, received ${type}`;
}

/**
 * Marks `span` as ended by a response that was not in its endpoint's format: `ATTR_ERROR_TYPE` =
 * `ERROR_TYPE_VALUE_INVALID_RESPONSE` and status ERROR with `description`. Returns the error type.
 */
export function markInvalidResponse(span: Span, description: string): string {
  span.setAttribute(ATTR_ERROR_TYPE, ERROR_TYPE_VALUE_INVALID_RESPONSE);
  span.setStatus({ code: SpanStatusCode.ERROR, message: description });
  return ERROR_TYPE_VALUE_INVALID_RESPONSE;
}

function contentTypeOf(headers: ResponseHeaders | undefined): string {
  return headers?.get('content-type') ?? 'no content type';
}
