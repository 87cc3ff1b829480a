/**
 * Stream observation. The caller keeps the SDK's own `Stream` object: only its `iterator` property
 * (which `for await`, `tee()` and `toReadableStream()` all go through) is replaced, on that one
 * instance, by a function that wraps the first iterator in an {@link ObservedIterator}. A second
 * iteration gets the SDK's iterator untouched, so the SDK's own "already consumed" error reaches
 * the caller.
 */
import { keepShapes } from '@runproof/core/adapter';
import { AbandonWatch, type Abandonable } from './abandoned.ts';
import type { StreamReader } from './surface.ts';

/** The call a stream belongs to, as the stream ends it (`ModelCall`). */
export interface StreamedCall {
  /** The caller's own `AbortSignal`: a stream that ends after it fired was cancelled. */
  readonly userSignal: AbortSignal | undefined;
  /** Ends the call as a success with what was read; `endTime` (`performance.now()`) when it ended earlier than now. */
  finish(endTime?: number): void;
  /** Ends the call as failed (a cancellation when the caller aborted). */
  fail(error: unknown): void;
}

interface StreamLike {
  iterator?: unknown;
  controller?: { signal?: unknown };
}

/**
 * Starts observing a `Stream` the SDK returned, its chunks read by `reader`; `undefined` when
 * `result` is not one (the caller then ends the span without a body).
 */
export function observeStream(
  result: unknown,
  call: StreamedCall,
  reader: StreamReader,
): StreamObservation | undefined {
  const stream = result as StreamLike | null;
  if (stream === null || typeof stream !== 'object' || typeof stream.iterator !== 'function') return undefined;
  const signal = stream.controller?.signal instanceof AbortSignal ? stream.controller.signal : undefined;
  const observation = new StreamObservation(call, reader, signal);
  const original = stream.iterator as (this: unknown, ...args: unknown[]) => AsyncIterator<unknown>;
  let observed = false;
  stream.iterator = function observedIterator(this: unknown): AsyncIterator<unknown> {
    const inner = Reflect.apply(original, this, arguments) as AsyncIterator<unknown>;
    if (observed) return inner;
    observed = true;
    const iterator = new ObservedIterator(inner, observation);
    // While it is read, the caller holds the iterator (a `for await` over a stream it never names
    // holds only that): if it abandons it before the end, the span ends with what was read.
    observation.watch.watch(iterator);
    return iterator;
  };
  // A stream the caller never reads: the span ends once the caller abandons it (reading it moves
  // the watch to the iterator, above).
  observation.watch.watch(stream);
  signal?.addEventListener('abort', observation.onAbort, ONCE);
  return observation;
}

const ONCE = Object.freeze({ once: true });

/** What a stream has told the call so far, and how it ended. */
export class StreamObservation implements Abandonable {
  readonly reader: StreamReader;
  /** When the caller received the first chunk (`performance.now()`). */
  firstChunkTime: number | undefined;
  /**
   * When the caller received the stream, then its latest chunk, read every 8 chunks (a clock read
   * costs more than reading a chunk): where an abandoned stream ends.
   */
  private lastReadTime = performance.now();
  /** Chunks read when the clock was last read. */
  private lastReadChunks = 0;
  private chunks = 0;
  /** The stream ended, not aborted, without a single chunk: no answer of the API, or none in its format. */
  endedEmpty = false;
  private readonly call: StreamedCall;
  /** The stream's controller's signal: aborted by the caller's signal, `stream.controller.abort()`, or the SDK after a failure or a `break`. */
  private readonly signal: AbortSignal | undefined;
  /** Ends the call should the caller abandon the stream; released as the call ends. */
  readonly watch: AbandonWatch = new AbandonWatch(this);

  constructor(call: StreamedCall, reader: StreamReader, signal: AbortSignal | undefined) {
    this.call = call;
    this.reader = reader;
    this.signal = signal;
  }

  /** One chunk passed to the caller (an unexpected one may throw: the caller of this catches it). */
  read(chunk: unknown): void {
    if ((this.chunks++ & 7) === 0) {
      this.lastReadTime = performance.now();
      this.lastReadChunks = this.chunks;
      this.firstChunkTime ??= this.lastReadTime;
    }
    this.reader.read(chunk);
  }

  /**
   * The mean time between chunks after the first (ms), for a call that ended at `endTime`; an
   * abandoned stream ends at the last clock read, so only the chunks counted by then. `undefined`
   * with fewer than two chunks.
   */
  meanChunkInterval(endTime: number): number | undefined {
    if (this.firstChunkTime === undefined) return undefined;
    const chunks = endTime === this.lastReadTime ? this.lastReadChunks : this.chunks;
    return chunks > 1 ? (endTime - this.firstChunkTime) / (chunks - 1) : undefined;
  }

  /** The stream ended: completely, or quietly because it was aborted (the caller's signal, or `stream.controller.abort()`). */
  end(): void {
    const userSignal = this.call.userSignal;
    if (userSignal?.aborted === true) this.fail(userSignal.reason);
    else if (this.signal?.aborted === true) this.fail(this.signal.reason);
    else {
      this.endedEmpty = this.chunks === 0;
      this.finish();
    }
  }

  /** Ends the call as a success with what was read (`endTime`: see `StreamedCall.finish`). */
  finish(endTime?: number): void {
    this.watch.release();
    this.call.finish(endTime);
  }

  /** Ends the call as failed. */
  fail(error: unknown): void {
    this.watch.release();
    this.call.fail(error);
  }

  /**
   * The controller aborted. The SDK also aborts it after a failure or a `break`; those end the span
   * themselves before the next turn, so only an abort nothing else explained is a cancellation.
   */
  readonly onAbort = (): void => {
    const userSignal = this.call.userSignal;
    if (userSignal?.aborted === true) this.fail(userSignal.reason);
    else setImmediate(() => this.fail(this.signal?.reason));
  };

  /** The caller abandoned the stream, unread or read in part: the span ends with what was read. */
  abandoned(): void {
    this.call.finish(this.lastReadTime);
  }
}

/**
 * Passes every result of the SDK's iterator through unchanged while the call reads it: `next()`
 * returns the SDK's own promise, with one reaction of the observation's added first (it runs before
 * the caller's), so a chunk costs the caller no extra promise or turn. `return()` (a `break`, a
 * cancelled tee branch or readable) ends the span with what was seen, then lets the SDK's iterator
 * abort the HTTP request; an error ends it as failed and reaches the caller as is.
 */
class ObservedIterator implements AsyncIterator<unknown> {
  private readonly inner: AsyncIterator<unknown>;
  private readonly observation: StreamObservation;

  constructor(inner: AsyncIterator<unknown>, observation: StreamObservation) {
    this.inner = inner;
    this.observation = observation;
  }

  // Neither reaction may throw: its promise is nobody's, so a rejection would be unhandled.
  private readonly onResult = (result: IteratorResult<unknown>): void => {
    try {
      if (result.done === true) this.observation.end();
      else this.observation.read(result.value);
    } catch {
      // The caller's stream goes on; the span keeps what was read.
    }
  };

  private readonly onError = (error: unknown): void => {
    try {
      // The caller gets the rejection from the SDK's promise itself.
      this.observation.fail(error);
    } catch {
      // As above.
    }
  };

  next(value?: unknown): Promise<IteratorResult<unknown>> {
    const result = this.inner.next(value);
    result.then(this.onResult, this.onError);
    return result;
  }

  return(value?: unknown): Promise<IteratorResult<unknown>> {
    this.observation.finish();
    if (typeof this.inner.return !== 'function') return Promise.resolve({ done: true, value });
    return this.inner.return(value);
  }

  throw(error?: unknown): Promise<IteratorResult<unknown>> {
    this.observation.fail(error);
    if (typeof this.inner.throw !== 'function') return Promise.reject(error);
    return this.inner.throw(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

// An idle observation (with its watch, never registered) and iterator, kept for their classes'
// shapes (see `keepShapes`).
const IDLE_STREAMED_CALL: StreamedCall = { userSignal: undefined, finish() {}, fail() {} };
const IDLE_READER: StreamReader = { read() {}, complete() {} };
const DONE: AsyncIterator<unknown> = { next: () => Promise.resolve({ done: true, value: undefined }) };
keepShapes(new ObservedIterator(DONE, new StreamObservation(IDLE_STREAMED_CALL, IDLE_READER, undefined)));
