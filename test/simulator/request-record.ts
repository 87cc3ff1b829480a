/**
 * The record the simulator keeps of each request: what arrived, and how the answer went — in
 * particular whether the client hung up before the server finished writing (`closedEarly`).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** One request the simulator received, and how its answer went. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (the raw text if it was not JSON, `undefined` if empty). */
  body: unknown;
  /** The body as received, decoded as UTF-8 (`''` when empty). */
  bodyText: string;
  /** `Date.now()` when the request arrived. */
  receivedAt: number;
  /** The `x-request-id` it was answered with (the SDK exposes it as `_request_id`). */
  requestId: string;
  /** Whether the request asked for a stream (`stream: true`). */
  stream: boolean;
  /** HTTP status sent; 0 while nothing is sent or when no answer was sent at all. */
  status: number;
  /** The client closed the connection before the server finished writing the answer. */
  closedEarly: boolean;
  /** The whole answer was written. */
  completed: boolean;
  /** SSE events written (excluding `[DONE]`); 1 for a JSON answer. Final once settled. */
  chunksWritten: number;
  /** Resolves once the exchange is over (answered, cut, or abandoned by the client). Not enumerable. */
  readonly settled: Promise<RecordedRequest>;
}

/** Progress of an exchange that handlers update while answering. */
export interface ExchangeProgress {
  chunksWritten: number;
  /** The simulator dropped the connection on purpose (a fault, not the client leaving). */
  cutByServer: boolean;
  /** The connection is closed (after the answer, or before it). */
  closed: boolean;
}

export interface TrackOptions {
  path: string;
  requestId: string;
  receivedAt: number;
  /** Whether the simulator is shutting down: connections it closes then are not the client's doing. */
  isClosing: () => boolean;
}

/**
 * Starts the record of a request (body and `stream` are filled in once read) and settles it
 * when the response closes, whoever closed it.
 */
export function trackRequest(
  request: IncomingMessage,
  response: ServerResponse,
  options: TrackOptions,
): { record: RecordedRequest; progress: ExchangeProgress } {
  const progress: ExchangeProgress = { chunksWritten: 0, cutByServer: false, closed: false };
  let resolveSettled: (record: RecordedRequest) => void = () => {};
  const settled = new Promise<RecordedRequest>((resolve) => (resolveSettled = resolve));
  const record = {
    method: request.method ?? 'GET',
    path: options.path,
    headers: request.headers,
    body: undefined,
    bodyText: '',
    receivedAt: options.receivedAt,
    requestId: options.requestId,
    stream: false,
    status: 0,
    closedEarly: false,
    completed: false,
    chunksWritten: 0,
  };
  // Not enumerable, so deepEqual and console.log show the data only.
  Object.defineProperty(record, 'settled', { value: settled, enumerable: false });
  response.on('close', () => {
    progress.closed = true;
    const finished = response.writableFinished && !progress.cutByServer;
    record.status = response.headersSent ? response.statusCode : 0;
    record.completed = finished;
    record.closedEarly = !finished && !progress.cutByServer && !options.isClosing();
    record.chunksWritten = progress.chunksWritten;
    resolveSettled(record as RecordedRequest);
  });
  return { record: record as RecordedRequest, progress };
}
