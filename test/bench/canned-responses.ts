/**
 * Canned responses for the in-process mode. Each is recorded once per bench run from the
 * simulator (so the bytes are the real wire format: ids, usage, system fingerprint, the SSE
 * framing of a ~90-chunk stream), then served to every configuration by a custom `fetch` that
 * builds a fresh `Response` per call — no socket, no simulator, no HTTP parser in the measured
 * loop; everything above `fetch` (the SDK, the instrumentation, the exporter) runs as it would.
 */

/** One recorded response, as plain data so it crosses the IPC channel to the configuration processes. */
export interface CannedResponse {
  status: number;
  headers: Record<string, string>;
  /**
   * The body as the server wrote it: a JSON body is one chunk; an event stream is one chunk per
   * event (`data: …\n\n`), which is how the simulator flushes it and how a reader sees it arrive.
   */
  chunks: string[];
}

type Fetch = typeof globalThis.fetch;

// Hop-by-hop and framing headers describe the recorded connection, not the response.
const DROPPED_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date']);

/** A `fetch` that forwards to the network and keeps the last response it saw as a `CannedResponse`. */
export function createRecordingFetch(): { fetch: Fetch; take(): CannedResponse } {
  let last: CannedResponse | undefined;
  const fetch: Fetch = async (input, init) => {
    const response = await globalThis.fetch(input, init);
    const text = await response.text();
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!DROPPED_HEADERS.has(name)) headers[name] = value;
    });
    const isEventStream = headers['content-type']?.startsWith('text/event-stream') === true;
    last = { status: response.status, headers, chunks: isEventStream ? splitEvents(text) : [text] };
    return new Response(text, { status: response.status, headers });
  };
  return {
    fetch,
    take() {
      if (last === undefined) throw new Error('bench: no response was recorded');
      const recorded = last;
      last = undefined;
      return recorded;
    },
  };
}

function splitEvents(text: string): string[] {
  return text.split(/(?<=\n\n)/).filter((event) => event !== '');
}

/** A `Response` factory for one canned response: the body is encoded once, the `Response` is new each call. */
export function createResponder(canned: CannedResponse): () => Response {
  const encoder = new TextEncoder();
  const chunks = canned.chunks.map((chunk) => encoder.encode(chunk));
  const init = { status: canned.status, headers: canned.headers };
  if (chunks.length === 1) {
    const body = canned.chunks[0]!;
    return () => new Response(body, init);
  }
  return () => {
    let next = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (next < chunks.length) controller.enqueue(chunks[next++]!);
        else controller.close();
      },
    });
    return new Response(body, init);
  };
}

/** A `fetch` that answers every request with whatever `respond` returns, after the request body is sent (read). */
export function createCannedFetch(respond: (body: string) => Response): Fetch {
  return async (_input, init) => respond(typeof init?.body === 'string' ? init.body : '');
}
