import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { RunproofError } from '../errors.ts';
import { globalSlot } from '../internal/global.ts';
import {
  ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_MESSAGE,
  ERROR_TYPE_VALUE_CANCELLED,
  ERROR_TYPE_VALUE_OTHER,
} from '../semconv.ts';
import { getSettings } from '../settings.ts';
import { contentText } from './content.ts';

/**
 * Error types whose message quotes content: LangChain's parsers put the rejected text in the
 * message, a checkpoint's `ValidationError` lists its schema's issue messages (which custom
 * messages may build from the value), and a `SyntaxError` at run time is almost always
 * `JSON.parse` quoting the text it was given (a completion, a tool's output).
 */
const CONTENT_BEARING_TYPES = new Set([
  'OutputParserException',
  'ToolInputParsingException',
  'RUNPROOF_VALIDATION_FAILED',
  'SyntaxError',
]);
/**
 * HTTP statuses of provider errors that describe the request body and may quote it (an OpenAI 400
 * `Invalid content: '…'`). Other statuses (401, 404, 429, 5xx) name keys, models and limits: an
 * operator needs those messages, and they quote no content.
 */
const REQUEST_QUOTING_STATUSES = new Set([400, 413, 422]);
const WITHHELD_MESSAGE =
  'message withheld: it may quote content (prompts, model output, tool data) and content capture is off';
/**
 * Errors marked as quoting content (a tool's), remembered so every span the same error goes on to
 * fail (its step, its run) treats it alike.
 */
const quotingErrors = globalSlot('content-bearing-errors', () => new WeakSet<object>());

/**
 * Records an error on a span as the GenAI conventions ask: status ERROR, `ATTR_ERROR_TYPE`, and the
 * exception event. An error that may quote content — marked with `options.quotesContent` (here or
 * on an earlier span), one of the types above, a provider error whose HTTP `status` is 400, 413 or
 * 422, or a thrown value that is not an `Error` — is content: without content capture its message
 * is withheld from the status and the exception event, whose stack keeps its frames under a first
 * line without the message; with capture on, the message goes through the `redact` hook and
 * `maxContentBytes`. `ATTR_ERROR_TYPE` is always recorded. Returns the error type.
 *
 * @example
 * catch (error) { markError(span, error); throw error; }
 */
export function markError(span: Span, error: unknown, options: { quotesContent?: boolean } = {}): string {
  const type = errorType(error);
  span.setAttribute(ATTR_ERROR_TYPE, type);
  const message = error instanceof Error ? error.message : describeThrown(error);
  const shown = quotesContent(error, type, options.quotesContent === true) ? shownContent(message) : message;
  span.setStatus({ code: SpanStatusCode.ERROR, message: shown });
  if (!(error instanceof Error)) return type;
  if (shown !== message)
    span.recordException({
      name: type,
      message: shown,
      stack: replaceStackMessage(error.stack, message, `${type}: ${shown}`),
    });
  // SDK errors often keep `name` 'Error' (the OpenAI SDK's do): the event names their class, as `ATTR_ERROR_TYPE` does.
  else if (error.name === 'Error' && error.constructor.name !== 'Error')
    span.recordException({ name: error.constructor.name, message: error.message, stack: error.stack });
  else span.recordException(error);
  return type;
}

function quotesContent(error: unknown, type: string, marked: boolean): boolean {
  // A thrown string or object is data, not a message written for the log.
  if (!(error instanceof Error)) return true;
  if (marked) quotingErrors.add(error);
  if (quotingErrors.has(error) || CONTENT_BEARING_TYPES.has(type)) return true;
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' && REQUEST_QUOTING_STATUSES.has(status);
}

/** A content-bearing message as it may be exported: withheld without capture, redacted and capped with it. */
function shownContent(message: string): string {
  if (!getSettings().captureContent) return WITHHELD_MESSAGE;
  try {
    return contentText(message, ATTR_EXCEPTION_MESSAGE) ?? WITHHELD_MESSAGE;
  } catch {
    // A redaction hook that throws drops the value, as it does for every other content attribute.
    return WITHHELD_MESSAGE;
  }
}

/**
 * `stack` with its first line(s), which quote `message`, replaced by `header`; the frames stay.
 * `undefined` when the frames cannot be told apart from the message.
 */
function replaceStackMessage(stack: string | undefined, message: string, header: string): string | undefined {
  if (typeof stack !== 'string') return undefined;
  // V8 writes `{name}: {message}` then the frames; a message changed after the error was made is not in the stack.
  const quoted = message === '' ? -1 : stack.indexOf(message);
  const end = quoted === -1 ? stack.search(/\n\s+at /) : quoted + message.length;
  if (end === -1 || stack[end] !== '\n') return undefined;
  return header + stack.slice(end);
}

/**
 * Marks a span as cancelled by its caller (an `AbortSignal`, a stream's controller):
 * `ATTR_ERROR_TYPE` = `ERROR_TYPE_VALUE_CANCELLED` and status ERROR with the abort's message, not a
 * failure of the service called. Returns the error type.
 *
 * @example
 * if (signal.aborted) markCancelled(span, signal.reason);
 */
export function markCancelled(span: Span, reason: unknown): string {
  span.setAttribute(ATTR_ERROR_TYPE, ERROR_TYPE_VALUE_CANCELLED);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: reason instanceof Error ? reason.message : ERROR_TYPE_VALUE_CANCELLED,
  });
  return ERROR_TYPE_VALUE_CANCELLED;
}

/** A thrown value that is not an `Error`, as text (one whose `toString` throws is only its type). */
function describeThrown(value: unknown): string {
  try {
    return String(value);
  } catch {
    return ERROR_TYPE_VALUE_OTHER;
  }
}

function errorType(error: unknown): string {
  if (RunproofError.isInstance(error)) return error.code;
  if (error instanceof Error) return error.name === 'Error' ? error.constructor.name : error.name;
  return ERROR_TYPE_VALUE_OTHER;
}
