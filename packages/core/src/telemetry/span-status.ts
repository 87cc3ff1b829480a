import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { RunproofError } from '../errors.ts';
import { ATTR_ERROR_TYPE, ERROR_TYPE_VALUE_CANCELLED, ERROR_TYPE_VALUE_OTHER } from '../semconv.ts';
import { getSettings } from '../settings.ts';

/**
 * Errors whose message can quote model output or tool input: LangChain's parsers put the rejected
 * text in the message, and a checkpoint's `ValidationError` lists its schema's issue messages
 * (which custom messages may build from the value). Without content capture, only their type is
 * recorded.
 */
const CONTENT_BEARING_ERRORS = new Set(['OutputParserException', 'ToolInputParsingException', 'RUNPROOF_VALIDATION_FAILED']);
const WITHHELD_MESSAGE = 'message withheld: it may quote model output or tool data, and content capture is off';

/**
 * Records an error on a span as the GenAI conventions ask: status ERROR, `ATTR_ERROR_TYPE`, and the
 * exception event. The message of an error known to quote content (`options.quotesContent`, or
 * one of the types above) is withheld unless content capture is on. Returns the error type.
 *
 * @example
 * catch (error) { markError(span, error); throw error; }
 */
export function markError(span: Span, error: unknown, options: { quotesContent?: boolean } = {}): string {
  const type = errorType(error);
  span.setAttribute(ATTR_ERROR_TYPE, type);
  if ((options.quotesContent === true || CONTENT_BEARING_ERRORS.has(type)) && !getSettings().captureContent) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: WITHHELD_MESSAGE });
    span.recordException({ name: type, message: WITHHELD_MESSAGE });
    return type;
  }
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  if (!(error instanceof Error)) return type;
  // SDK errors often keep `name` 'Error' (the OpenAI SDK's do): the event names their class, as `ATTR_ERROR_TYPE` does.
  if (error.name === 'Error' && error.constructor.name !== 'Error') span.recordException({ name: error.constructor.name, message: error.message, stack: error.stack });
  else span.recordException(error);
  return type;
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
  span.setStatus({ code: SpanStatusCode.ERROR, message: reason instanceof Error ? reason.message : ERROR_TYPE_VALUE_CANCELLED });
  return ERROR_TYPE_VALUE_CANCELLED;
}

function errorType(error: unknown): string {
  if (RunproofError.isInstance(error)) return error.code;
  if (error instanceof Error) return error.name === 'Error' ? error.constructor.name : error.name;
  return ERROR_TYPE_VALUE_OTHER;
}
