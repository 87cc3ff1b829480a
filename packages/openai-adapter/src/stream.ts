/**
 * Stream observation. The caller keeps the SDK's own `Stream` object: only its `iterator` property
 * (which `for await`, `tee()` and `toReadableStream()` all go through) is replaced, on that one
 * instance, by a function that wraps the first iterator in an {@link ObservedIterator}. A second
 * iteration gets the SDK's iterator untouched, so the SDK's own "already consumed" error reaches
 * the caller.
 */
import { endWhenDropped, stopWatching } from './dropped.ts';
import type { ModelCall } from './model-call.ts';

interface StreamLike {
  iterator?: unknown;
  controller?: { signal?: unknown };
}

/**
 * Starts observing a `Stream` the SDK returned; returns false when `result` is not one (the caller
 * then ends the span without a body).
 */
export function observeStream(result: unknown, call: ModelCall): boolean {
  const stream = result as StreamLike | null;
  if (stream === null || typeof stream !== 'object' || typeof stream.iterator !== 'function') return false;
  const original = stream.iterator as (this: unknown, ...args: unknown[]) => AsyncIterator<unknown>;
  let observed = false;
  stream.iterator = function observedIterator(this: unknown): AsyncIterator<unknown> {
    const inner = Reflect.apply(original, this, arguments) as AsyncIterator<unknown>;
    if (observed) return inner;
    observed = true;
    const iterator = new ObservedIterator(inner, call);
    stopWatching(stream);
    // While it is read, the caller holds the iterator (a `for await` over a stream it never names
    // holds only that): if it lets go of it before the end, the span ends with what was read.
    endWhenDropped(iterator, call.onStreamDropped);
    return iterator;
  };
  // A stream not read by the end of this turn may never be: the span ends if the caller lets go of it.
  setImmediate(() => {
    if (!observed) endWhenDropped(stream, call.onStreamDropped, stream);
  });
  const signal = stream.controller?.signal instanceof AbortSignal ? stream.controller.signal : undefined;
  signal?.addEventListener('abort', call.onStreamAbort, { once: true });
  call.beginStream(signal);
  return true;
}

/**
 * Passes every result of the SDK's iterator through unchanged while the call reads it. `return()`
 * (a `break`, a cancelled tee branch or readable) ends the span with what was seen, then lets the
 * SDK's iterator abort the HTTP request; an error ends it as failed and is rethrown as is.
 */
class ObservedIterator implements AsyncIterator<unknown> {
  private readonly inner: AsyncIterator<unknown>;
  private readonly call: ModelCall;

  constructor(inner: AsyncIterator<unknown>, call: ModelCall) {
    this.inner = inner;
    this.call = call;
  }

  private readonly onResult = (result: IteratorResult<unknown>): IteratorResult<unknown> => {
    if (result.done === true) this.call.endStream();
    else this.call.readChunk(result.value);
    return result;
  };

  private readonly onError = (error: unknown): never => {
    this.call.fail(error);
    throw error;
  };

  next(value?: unknown): Promise<IteratorResult<unknown>> {
    return this.inner.next(value).then(this.onResult, this.onError);
  }

  return(value?: unknown): Promise<IteratorResult<unknown>> {
    this.call.finish();
    if (typeof this.inner.return !== 'function') return Promise.resolve({ done: true, value });
    return this.inner.return(value);
  }

  throw(error?: unknown): Promise<IteratorResult<unknown>> {
    this.call.fail(error);
    if (typeof this.inner.throw !== 'function') return Promise.reject(error);
    return this.inner.throw(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
