/**
 * Server-sent event streams as the real API writes them (`event:` + `data:` lines, a blank line
 * between events), one event per tick so a client that stops reading is noticed before the end,
 * with the stream faults a script can ask for: cut connection, stall, malformed data.
 */
import type { ServerResponse } from 'node:http';
import { setImmediate as nextTick, setTimeout as sleep } from 'node:timers/promises';
import { createResponseHeaders, destroyConnection } from './exchange.ts';
import type { Exchange } from './exchange.ts';

export interface SseEvent {
  /** The `event:` line (Responses API); chat completions send `data:` lines only. */
  event?: string;
  data: unknown;
}

/** How a stream ended, from the server's side. */
export type StreamOutcome = 'completed' | 'closed' | 'cut' | 'stalled' | 'malformed';

// After this many valid events a `malformed` script sends its broken line.
const MALFORMED_AFTER_CHUNKS = 2;

/**
 * Writes `events` as an SSE response, then `data: [DONE]` when `done` is set (chat completions)
 * and ends it. Stops early, without throwing, when the client goes away.
 */
export async function writeEventStream(
  exchange: Exchange,
  events: Iterable<SseEvent>,
  options: { done: boolean },
): Promise<StreamOutcome> {
  const { response, script, progress } = exchange;
  const chunkDelayMs = script?.chunkDelayMs ?? exchange.chunkDelayMs;
  response.writeHead(200, {
    ...createResponseHeaders(exchange, 'text/event-stream; charset=utf-8'),
    'cache-control': 'no-cache',
  });
  response.flushHeaders();

  let written = 0;
  for (const event of events) {
    if (isClosed(exchange)) return 'closed';
    if (script?.cutAfterChunks !== undefined && written >= script.cutAfterChunks) {
      destroyConnection(exchange);
      return 'cut';
    }
    if (script?.hangAfterChunks !== undefined && written >= script.hangAfterChunks) return 'stalled';
    if (script?.malformed === true && written >= MALFORMED_AFTER_CHUNKS) {
      const eventLine = event.event === undefined ? '' : `event: ${event.event}\n`;
      response.end(`${eventLine}data: {"id": "broken", "choices": [{"delta": {"content": "unterminated\n\n`);
      return 'malformed';
    }
    const eventLine = event.event === undefined ? '' : `event: ${event.event}\n`;
    await writeChunk(response, `${eventLine}data: ${JSON.stringify(event.data)}\n\n`);
    written += 1;
    progress.chunksWritten += 1;
    await (chunkDelayMs > 0 ? sleep(chunkDelayMs) : nextTick());
  }
  if (isClosed(exchange)) return 'closed';
  if (script?.cutAfterChunks !== undefined && written >= script.cutAfterChunks) {
    destroyConnection(exchange);
    return 'cut';
  }
  if (script?.hangAfterChunks !== undefined) return 'stalled';
  response.end(options.done ? 'data: [DONE]\n\n' : undefined);
  return 'completed';
}

function isClosed(exchange: Exchange): boolean {
  return exchange.progress.closed || exchange.response.destroyed || exchange.response.writableEnded;
}

/** Writes and, when the socket buffer is full, waits for it to drain (or the client to leave). */
function writeChunk(response: ServerResponse, text: string): Promise<void> | void {
  if (response.write(text)) return;
  return new Promise((resolve) => {
    const done = (): void => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
