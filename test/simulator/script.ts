/**
 * Scripts: what the next matching request gets instead of the simulator's default behaviour.
 * Queued FIFO; each request consumes the first queued script that matches it.
 */

/** The parsed JSON body of a request, as a script's `match` predicate sees it. */
export type RequestBody = Readonly<Record<string, unknown>>;

/** A tool call a script makes the model emit. */
export interface ScriptedToolCall {
  name: string;
  /** Object arguments are JSON-encoded; strings are sent as-is (so they may be invalid JSON). */
  arguments: string | Record<string, unknown>;
}

/** Token counts a script forces into the response's usage (API-neutral names). */
export interface ScriptedUsage {
  inputTokens?: number;
  outputTokens?: number;
  cachedTokens?: number;
  reasoningTokens?: number;
}

/** The OpenAI error body fields a fault may override. */
export interface ScriptedError {
  message?: string;
  type?: string;
  param?: string | null;
  code?: string | null;
}

/**
 * One scripted response or fault. Content fields (`reply`, `toolCalls`, `json`, `refusal`) pick
 * what the model says; modifiers and faults combine with them or with the default behaviour.
 *
 * @example
 * sim.enqueue({ status: 429, retryAfterMs: 5 }, { reply: 'Paris.' });
 * sim.enqueue({ match: '/embeddings', times: 3, status: 500 });
 * sim.enqueue({ match: (body) => body.stream === true, cutAfterChunks: 3 });
 */
export interface Script {
  /** Only requests whose path contains this string, or for which the predicate is true. Default: any. */
  match?: string | ((body: RequestBody, path: string) => boolean);
  /** How many matching requests this script answers before it is used up. Default 1; `Infinity` allowed. */
  times?: number;

  /** Text content. */
  reply?: string;
  /** Tool calls (parallel when several); finish reason `tool_calls`. */
  toolCalls?: ScriptedToolCall[];
  /** Content that is this value JSON-encoded. */
  json?: unknown;
  /** A refusal instead of content. */
  refusal?: string;
  /** Finish reason to report with the content (`length` makes a Responses API response `incomplete`). */
  finishReason?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  /** Resolved model reported by this response only. */
  model?: string;
  /** System fingerprint reported by this response only (`null` sends `null`). */
  systemFingerprint?: string | null;
  /** Usage overrides; unspecified counts keep their computed values. */
  usage?: ScriptedUsage;
  /** Extra response headers, e.g. `{ 'x-should-retry': 'false' }`. */
  headers?: Record<string, string>;

  /** Answer with this HTTP status (400 or above) and an OpenAI error body. */
  status?: number;
  /** Error body overrides for `status`. */
  error?: ScriptedError;
  /** `retry-after` header, in seconds. */
  retryAfter?: number;
  /** `retry-after-ms` header, in milliseconds (the openai SDK prefers it to `retry-after`). */
  retryAfterMs?: number;
  /** Never answer; the request stays open until the client gives up or the simulator closes. */
  hang?: boolean;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Pause between stream chunks (default: the simulator's `chunkDelayMs`). */
  chunkDelayMs?: number;
  /** Stream: destroy the socket after this many chunks, without `[DONE]`. Non-stream: destroy it before answering. */
  cutAfterChunks?: number;
  /** Stream: stop writing (but keep the connection open) after this many chunks. */
  hangAfterChunks?: number;
  /** Non-stream: send the headers and half the JSON body, then stop writing (the connection stays open). */
  stallBody?: boolean;
  /** Stream: after 2 valid chunks send a `data:` line that is not JSON and end. Non-stream: an invalid JSON body. */
  malformed?: boolean;
  /** Answer 200 with an HTML error page (`content-type: text/html`), as a proxy or gateway in front of the API may. */
  htmlErrorPage?: boolean;
}

interface QueuedScript {
  script: Script;
  remaining: number;
}

/** FIFO of scripts; `take` consumes one use of the first script matching a request. */
export class ScriptQueue {
  #queue: QueuedScript[] = [];

  enqueue(scripts: readonly Script[]): void {
    for (const script of scripts) {
      const remaining = script.times ?? 1;
      if (!(remaining > 0)) throw new RangeError(`script.times must be positive, got ${script.times}`);
      this.#queue.push({ script, remaining });
    }
  }

  take(path: string, body: RequestBody): Script | undefined {
    for (let index = 0; index < this.#queue.length; index++) {
      const entry = this.#queue[index]!;
      if (!matches(entry.script, path, body)) continue;
      entry.remaining -= 1;
      if (entry.remaining <= 0) this.#queue.splice(index, 1);
      return entry.script;
    }
    return undefined;
  }

  /** Scripts not yet used up, e.g. to assert a test consumed everything it queued. */
  get pending(): number {
    return this.#queue.length;
  }

  clear(): void {
    this.#queue = [];
  }
}

function matches(script: Script, path: string, body: RequestBody): boolean {
  const { match } = script;
  if (match === undefined) return true;
  if (typeof match === 'string') return path.includes(match);
  return match(body, path);
}
