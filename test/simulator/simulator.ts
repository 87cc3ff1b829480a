/**
 * An OpenAI-compatible HTTP server for tests and the benchmark: chat completions, the Responses
 * API and embeddings in the real wire format, scripted replies and faults, and a record of every
 * request including whether the client hung up before the answer was complete.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { handleChatCompletions } from './chat.ts';
import { handleEmbeddings } from './embeddings.ts';
import { destroyConnection, sendError, sendHtmlErrorPage, sendMalformedJson } from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { createHexId, defaultSystemFingerprint, resolveSnapshotModel } from './identity.ts';
import { isRecord } from './records.ts';
import { trackRequest } from './request-record.ts';
import type { RecordedRequest } from './request-record.ts';
import { handleResponses } from './responses.ts';
import { ScriptQueue } from './script.ts';
import type { RequestBody, Script } from './script.ts';

export type { RecordedRequest } from './request-record.ts';
export type { Script, ScriptedToolCall, ScriptedUsage, ScriptedError, RequestBody } from './script.ts';

export interface SimulatorOptions {
  /** Port to listen on. Default 0 (a free port). */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Pause between stream chunks; 0 yields with `setImmediate` only. Default 2. */
  chunkDelayMs?: number;
  /** Whether to keep every request in `requests` (turn off for long benchmark runs). Default true. */
  record?: boolean;
}

export interface WaitOptions {
  /** Give up after this long. Default 5000. */
  timeoutMs?: number;
  /** Also wait for the requests' exchanges to be over (e.g. not for a hanging one). Default true. */
  settled?: boolean;
}

export interface Simulator {
  /** Base URL for the openai client, e.g. `http://127.0.0.1:41234/v1`. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in order (empty when `record: false`). */
  readonly requests: RecordedRequest[];
  /** Queues scripted answers and faults, consumed FIFO by the requests they match. */
  enqueue(...scripts: Script[]): void;
  /** Number of queued scripts not yet used up. */
  readonly pendingScripts: number;
  /**
   * The `model` responses report, to simulate a silent upstream model change. `undefined`
   * restores the default: the requested alias's dated snapshot (`gpt-4o-mini` → `gpt-4o-mini-2024-07-18`).
   */
  setResolvedModel(model: string | ((requested: string) => string) | undefined): void;
  /** The `system_fingerprint` responses report; `undefined` restores the default (`fp_` + 10 hex, stable per model). */
  setSystemFingerprint(value: string | null | undefined): void;
  /**
   * Resolves with the first `count` requests once they have arrived and (unless `settled: false`)
   * settled; rejects after `timeoutMs` (default 5000).
   */
  waitForRequests(count: number, options?: WaitOptions): Promise<RecordedRequest[]>;
  /** Clears requests, scripts and overrides. */
  reset(): void;
  /** Stops listening and destroys open connections (hanging requests included). */
  close(): Promise<void>;
}

/**
 * Starts a simulator on a free port of 127.0.0.1.
 *
 * @example
 * const sim = await startSimulator();
 * const client = new OpenAI({ apiKey: 'test', baseURL: sim.url, maxRetries: 0 });
 * sim.enqueue({ status: 429, retryAfterMs: 5 }, { reply: 'Paris.' });
 * await sim.close();
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const chunkDelayMs = options.chunkDelayMs ?? 2;
  const recording = options.record ?? true;
  const scripts = new ScriptQueue();
  const requests: RecordedRequest[] = [];
  let resolvedModel: string | ((requested: string) => string) | undefined;
  let systemFingerprint: string | null | undefined;
  let closing = false;
  // Waiters of waitForRequests, woken on each new request.
  const recordWaiters = new Set<() => void>();

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const startedAt = performance.now();
    const receivedAt = Date.now();
    const path = (request.url ?? '/').split('?')[0]!;
    const requestId = createHexId('req_');
    const { record, progress } = trackRequest(request, response, {
      path,
      requestId,
      receivedAt,
      isClosing: () => closing,
    });
    let body: { valid: boolean; value: unknown };
    let bodyText: string;
    try {
      bodyText = await readBody(request);
      body = parseBody(bodyText);
    } catch (error) {
      if (progress.closed) return; // the client left while sending its body
      throw error;
    }
    if (recording) {
      record.body = body.value;
      record.bodyText = bodyText;
      record.stream = isRecord(body.value) && body.value.stream === true;
      requests.push(record);
      for (const wake of recordWaiters) wake();
      recordWaiters.clear();
    }

    const requestBody: RequestBody = isRecord(body.value) ? body.value : {};
    const script = scripts.take(path, requestBody);
    const exchange: Exchange = {
      request,
      response,
      path,
      body: requestBody,
      script,
      requestId,
      startedAt,
      chunkDelayMs,
      progress,
      resolveModel(requested, resolveOptions) {
        if (script?.model !== undefined) return script.model;
        if (typeof resolvedModel === 'function') return resolvedModel(requested);
        if (resolvedModel !== undefined) return resolvedModel;
        return resolveOptions?.keepAlias === true ? requested : resolveSnapshotModel(requested);
      },
      systemFingerprintFor(model) {
        if (script?.systemFingerprint !== undefined) return script.systemFingerprint;
        return systemFingerprint === undefined ? defaultSystemFingerprint(model) : systemFingerprint;
      },
    };
    if (!body.valid) {
      return sendError(exchange, 400, {
        message:
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
      });
    }
    await respond(exchange);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      // A simulator bug must fail the test that hit it loudly, not hang it.
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            error: { message: `simulator error: ${String(error)}`, type: 'server_error', param: null, code: null },
          }),
        );
      } else {
        response.destroy();
      }
    });
  });
  server.listen(options.port ?? 0, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/v1`,
    port,
    requests,
    enqueue(...queued) {
      scripts.enqueue(queued);
    },
    get pendingScripts() {
      return scripts.pending;
    },
    setResolvedModel(model) {
      resolvedModel = model;
    },
    setSystemFingerprint(value) {
      systemFingerprint = value;
    },
    async waitForRequests(count, waitOptions = {}) {
      const { timeoutMs = 5000, settled: waitForSettled = true } = waitOptions;
      const deadline = sleep(timeoutMs, 'timeout', { ref: false });
      const timedOut = (what: string): Error => new Error(`waitForRequests(${count}): ${what} after ${timeoutMs} ms`);
      while (requests.length < count) {
        const recorded = new Promise<'recorded'>((resolve) => recordWaiters.add(() => resolve('recorded')));
        if ((await Promise.race([recorded, deadline])) === 'timeout')
          throw timedOut(`only ${requests.length} request(s) arrived`);
      }
      if (waitForSettled) {
        const settled = Promise.all(requests.slice(0, count).map((record) => record.settled));
        if ((await Promise.race([settled, deadline])) === 'timeout') throw timedOut('not all requests settled');
      }
      return requests.slice(0, count);
    },
    reset() {
      requests.length = 0;
      scripts.clear();
      resolvedModel = undefined;
      systemFingerprint = undefined;
    },
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Applies the script's faults, then routes to the endpoint. */
async function respond(exchange: Exchange): Promise<void> {
  const { script, body, request } = exchange;
  if (script?.delayMs !== undefined && script.delayMs > 0) {
    await sleep(script.delayMs);
    if (exchange.progress.closed) return;
  }
  if (script?.hang === true) return;
  if (script?.status !== undefined && script.status >= 400) return sendError(exchange, script.status, script.error);
  if (body.stream !== true && script?.cutAfterChunks !== undefined) return destroyConnection(exchange);
  if (body.stream !== true && script?.malformed === true) return sendMalformedJson(exchange);
  if (script?.htmlErrorPage === true) return sendHtmlErrorPage(exchange);

  const route = `${request.method} ${exchange.path.replace(/^\/v1(?=\/)/, '')}`;
  switch (route) {
    case 'POST /chat/completions':
      return handleChatCompletions(exchange);
    case 'POST /responses':
      return handleResponses(exchange);
    case 'POST /embeddings':
      return handleEmbeddings(exchange);
    default:
      return sendError(exchange, 404, { message: `Invalid URL (${request.method} ${exchange.path})`, code: null });
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string): { valid: boolean; value: unknown } {
  if (text === '') return { valid: true, value: undefined };
  try {
    return { valid: true, value: JSON.parse(text) as unknown };
  } catch {
    return { valid: false, value: text };
  }
}
