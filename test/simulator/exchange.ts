/**
 * One request/response exchange and the plain (non-streamed) ways to answer it: JSON bodies,
 * OpenAI error bodies, invalid JSON, an HTML error page and a dropped connection. Every answer
 * carries the headers the real API sends (`x-request-id`, `openai-processing-ms`,
 * `openai-version`, rate-limit headers).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExchangeProgress } from './request-record.ts';
import type { RequestBody, Script, ScriptedError } from './script.ts';

/** What an endpoint handler needs to answer one request. */
export interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  path: string;
  body: RequestBody;
  script: Script | undefined;
  /** The `x-request-id` this exchange answers with. */
  requestId: string;
  /** `performance.now()` when the request arrived, for `openai-processing-ms`. */
  startedAt: number;
  chunkDelayMs: number;
  /**
   * The model a response reports for the requested one: the script's, else the simulator's
   * override, else the dated snapshot (or the alias itself with `keepAlias`, as for embeddings).
   */
  resolveModel(requested: string, options?: { keepAlias?: boolean }): string;
  /** The system fingerprint reported with a resolved model. */
  systemFingerprintFor(resolvedModel: string): string | null;
  /** Progress the simulator records; handlers update it as they write. */
  progress: ExchangeProgress;
}

/** The headers every response carries, plus the script's extra headers. */
export function createResponseHeaders(exchange: Exchange, contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'x-request-id': exchange.requestId,
    'openai-version': '2020-10-01',
    'openai-organization': 'org-runproof-simulator',
    'openai-processing-ms': String(Math.round(performance.now() - exchange.startedAt)),
    'x-ratelimit-limit-requests': '10000',
    'x-ratelimit-remaining-requests': '9999',
    'x-ratelimit-reset-requests': '6ms',
    'x-ratelimit-limit-tokens': '30000000',
    'x-ratelimit-remaining-tokens': '29999000',
    'x-ratelimit-reset-tokens': '2ms',
    ...exchange.script?.headers,
  };
}

/** Answers with a JSON body. */
export function sendJson(
  exchange: Exchange,
  status: number,
  body: unknown,
  extraHeaders?: Record<string, string>,
): void {
  const payload = JSON.stringify(body);
  const headers = createResponseHeaders(exchange, 'application/json');
  headers['content-length'] = String(Buffer.byteLength(payload));
  exchange.response.writeHead(status, { ...headers, ...extraHeaders });
  if (exchange.script?.stallBody === true) {
    // Headers and the start of the body, then nothing: the connection stays open.
    exchange.response.write(payload.slice(0, Math.floor(payload.length / 2)));
    return;
  }
  exchange.response.end(payload);
  exchange.progress.chunksWritten += 1;
}

interface ErrorDefaults {
  message: string;
  type: string;
  code: string | null;
}

function defaultError(status: number, model: string): ErrorDefaults {
  switch (status) {
    case 400:
      return { message: 'Invalid request.', type: 'invalid_request_error', code: null };
    case 401:
      return {
        message:
          'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      };
    case 403:
      return {
        message: `Project does not have access to model ${model}.`,
        type: 'invalid_request_error',
        code: 'model_not_found',
      };
    case 404:
      return {
        message: `The model \`${model}\` does not exist or you do not have access to it.`,
        type: 'invalid_request_error',
        code: 'model_not_found',
      };
    case 429:
      return {
        message: `Rate limit reached for ${model} in organization org-runproof-simulator on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms. Visit https://platform.openai.com/account/rate-limits to learn more.`,
        type: 'requests',
        code: 'rate_limit_exceeded',
      };
    case 500:
      return {
        message: 'The server had an error while processing your request. Sorry about that!',
        type: 'server_error',
        code: null,
      };
    case 503:
      return { message: 'The server is overloaded or not ready yet.', type: 'server_error', code: null };
    default:
      return {
        message: `Simulated error with status ${status}.`,
        type: status >= 500 ? 'server_error' : 'invalid_request_error',
        code: null,
      };
  }
}

/**
 * Answers with an OpenAI error body `{ error: { message, type, param, code } }`, and the
 * `retry-after` / `retry-after-ms` headers the script asks for.
 */
export function sendError(exchange: Exchange, status: number, overrides?: ScriptedError): void {
  const model = typeof exchange.body.model === 'string' ? exchange.body.model : 'unknown';
  const defaults = defaultError(status, model);
  const error = {
    message: overrides?.message ?? defaults.message,
    type: overrides?.type ?? defaults.type,
    param: overrides?.param ?? null,
    code: overrides?.code === undefined ? defaults.code : overrides.code,
  };
  const retryHeaders: Record<string, string> = {};
  const script = exchange.script;
  if (script?.retryAfter !== undefined) retryHeaders['retry-after'] = String(script.retryAfter);
  if (script?.retryAfterMs !== undefined) retryHeaders['retry-after-ms'] = String(script.retryAfterMs);
  sendJson(exchange, status, { error }, retryHeaders);
}

/** Answers 200 with a body that is not valid JSON although it says it is. */
export function sendMalformedJson(exchange: Exchange): void {
  const payload = '{"id": "chatcmpl-malformed", "object": "chat.completion", "choices": [';
  exchange.response.writeHead(200, createResponseHeaders(exchange, 'application/json'));
  exchange.response.end(payload);
  exchange.progress.chunksWritten += 1;
}

/** An error page a proxy in front of the API might serve with status 200 (a gateway, a captive portal). */
export const HTML_ERROR_PAGE =
  '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>The upstream server is unavailable. Please try again later.</p></body></html>\n';

/** Answers 200 with {@link HTML_ERROR_PAGE} as `text/html`, for any endpoint, streamed or not. */
export function sendHtmlErrorPage(exchange: Exchange): void {
  const headers = createResponseHeaders(exchange, 'text/html; charset=utf-8');
  headers['content-length'] = String(Buffer.byteLength(HTML_ERROR_PAGE));
  exchange.response.writeHead(200, headers);
  exchange.response.end(HTML_ERROR_PAGE);
  exchange.progress.chunksWritten += 1;
}

/** Drops the connection without (finishing) an answer, as a crashed proxy or upstream would. */
export function destroyConnection(exchange: Exchange): void {
  exchange.progress.cutByServer = true;
  exchange.response.socket?.destroy();
  exchange.response.destroy();
}
