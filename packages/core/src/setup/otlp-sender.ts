import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { OtlpTarget } from './config.ts';
import { VERSION } from '../version.ts';

/** How one export ended: sent, or why not. */
export type SendResult = { ok: true } | { ok: false; reason: string };

type Attempt = SendResult | { ok: false; reason: string; retry: true; retryAfterMillis: number | undefined };

const gzipAsync = promisify(gzip);
const MAX_ATTEMPTS = 5;
const FIRST_BACKOFF_MILLIS = 1000;
const MAX_BACKOFF_MILLIS = 5000;
/** Answers that say "try again later" (OTLP/HTTP specification). */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
const RETRYABLE_ERRORS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'RUNPROOF_NO_ANSWER',
]);
const CONTENT_TYPES = { 'http/protobuf': 'application/x-protobuf', 'http/json': 'application/json' } as const;

/**
 * Posts OTLP request bodies to one endpoint, retrying what the specification says to retry with
 * a growing, jittered backoff, all within the target's timeout. A `detached` sender (the one the
 * app's process uses) keeps nothing of its own on the event loop — its sockets and timers are
 * unref'd — so an app whose work is done ends even while an export waits on a backend that is
 * down or hanging; the exit hooks decide how long to wait for it. `close()` cancels what is in
 * flight. The exit worker uses an attached one.
 */
export class OtlpSender {
  readonly target: OtlpTarget;
  private readonly url: URL;
  private readonly detached: boolean;
  private readonly agent: HttpAgent;
  private readonly inFlight = new Set<ClientRequest>();
  private readonly waits = new Set<() => void>();
  private closed = false;

  private readonly onAttemptFailed: ((reason: string) => void) | undefined;

  constructor(target: OtlpTarget, options: { detached: boolean; onAttemptFailed?: (reason: string) => void }) {
    this.target = target;
    this.url = new URL(target.url);
    this.detached = options.detached;
    this.onAttemptFailed = options.onAttemptFailed;
    const read = (path: string | undefined) => (path === undefined ? undefined : readFileSync(path));
    this.agent =
      this.url.protocol === 'https:'
        ? new HttpsAgent({
            keepAlive: true,
            ca: read(target.tls.ca),
            cert: read(target.tls.cert),
            key: read(target.tls.key),
          })
        : new HttpAgent({ keepAlive: true });
  }

  /** Sends one request body; never rejects. */
  async send(body: Uint8Array): Promise<SendResult> {
    const deadline = Date.now() + this.target.timeoutMillis;
    let payload: Uint8Array;
    try {
      payload = this.target.compression === 'gzip' ? await gzipAsync(body) : body;
    } catch (error) {
      return { ok: false, reason: `compression failed (${String(error)})` };
    }
    let backoff = FIRST_BACKOFF_MILLIS;
    for (let attempt = 1; ; attempt += 1) {
      const result = await this.attempt(payload, deadline - Date.now());
      if (!result.ok) this.onAttemptFailed?.(result.reason);
      if (result.ok || !('retry' in result)) return result;
      const wait = result.retryAfterMillis ?? backoff * (0.8 + Math.random() * 0.4);
      backoff = Math.min(backoff * 1.5, MAX_BACKOFF_MILLIS);
      if (this.closed || attempt >= MAX_ATTEMPTS || Date.now() + wait >= deadline)
        return { ok: false, reason: result.reason };
      await this.sleep(wait);
      if (this.closed) return { ok: false, reason: result.reason };
    }
  }

  /** Cancels every request in flight and every retry waiting; later sends fail at once. */
  close(): void {
    this.closed = true;
    for (const request of this.inFlight) request.destroy(new Error('cancelled: the shutdown budget ran out'));
    for (const wake of this.waits) wake();
    this.agent.destroy();
  }

  private attempt(payload: Uint8Array, timeoutMillis: number): Promise<Attempt> {
    if (this.closed) return Promise.resolve({ ok: false, reason: 'cancelled: the shutdown budget ran out' });
    if (timeoutMillis <= 0)
      return Promise.resolve({ ok: false, reason: `no answer within ${this.target.timeoutMillis} ms` });
    return new Promise((resolve) => {
      const headers: Record<string, string | number> = {
        ...this.target.headers,
        'Content-Type': CONTENT_TYPES[this.target.protocol],
        'Content-Length': payload.byteLength,
        'User-Agent': `runproof/${VERSION}`,
      };
      if (this.target.compression === 'gzip') headers['Content-Encoding'] = 'gzip';
      const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send(this.url, { method: 'POST', agent: this.agent, headers }, (response) =>
        readAnswer(response, resolve),
      );
      const timer = setTimeout(
        () =>
          request.destroy(
            Object.assign(new Error(`no answer within ${this.target.timeoutMillis} ms`), {
              code: 'RUNPROOF_NO_ANSWER',
            }),
          ),
        timeoutMillis,
      );
      if (this.detached) {
        timer.unref();
        request.on('socket', (socket) => socket.unref());
      }
      this.inFlight.add(request);
      request.on('close', () => {
        clearTimeout(timer);
        this.inFlight.delete(request);
      });
      request.on('error', (error: NodeJS.ErrnoException) => {
        resolve(
          RETRYABLE_ERRORS.has(error.code ?? '') && !this.closed
            ? { ok: false, reason: error.message, retry: true, retryAfterMillis: undefined }
            : { ok: false, reason: error.message },
        );
      });
      request.end(payload);
    });
  }

  private sleep(millis: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waits.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, millis);
      if (this.detached) timer.unref();
      this.waits.add(wake);
    });
  }
}

/** Reads (and discards) the answer's body, then says what its status means. */
function readAnswer(response: IncomingMessage, resolve: (attempt: Attempt) => void): void {
  response.resume();
  response.on('error', (error) => resolve({ ok: false, reason: error.message }));
  response.on('end', () => {
    const status = response.statusCode ?? 0;
    const reason = `HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}`;
    if (status >= 200 && status < 300) resolve({ ok: true });
    else if (RETRYABLE_STATUSES.has(status))
      resolve({ ok: false, reason, retry: true, retryAfterMillis: parseRetryAfter(response.headers['retry-after']) });
    else resolve({ ok: false, reason });
  });
}

/** `Retry-After` in seconds or as an HTTP date. */
function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
