/**
 * Following an `APIPromise` without changing what the caller gets. The SDK's own composition hook,
 * `_thenUnwrap(transform)`, gives a new `APIPromise` of the same class over the same request
 * (`.withResponse()`, `.asResponse()`, `_request_id` and the SDK's helpers all work on it) whose
 * transform sees the parsed result and returns it unchanged. Failures are seen on the request
 * promise (before a response) and on each parse (reading the body).
 */
import { safely } from '@runproof/core/adapter';
import type { ModelCall } from './model-call.ts';

interface APIPromiseLike {
  responsePromise?: unknown;
  parsedPromise?: unknown;
  _thenUnwrap?: unknown;
  parse?: unknown;
  asResponse?: unknown;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** Returns what the caller gets in place of `result`: an observed `APIPromise`, or `result` itself. */
export function observeResult(call: ModelCall, result: unknown): unknown {
  return safely('following an OpenAI response', result, () => {
    const promise = result as APIPromiseLike | null;
    if (promise === null || typeof promise !== 'object' || typeof promise._thenUnwrap !== 'function' || !isThenable(promise.responsePromise)) {
      // Not an APIPromise this adapter knows: follow it as a plain promise, or end the span now.
      if (isThenable(result)) result.then(call.onParsed, call.onParseFailure);
      else call.onParsed(result);
      return result;
    }
    promise.responsePromise.then(call.onResponse, call.onRequestFailure);
    const observed = (promise._thenUnwrap as Method).call(promise, call.onParsed) as APIPromiseLike;
    watch(observed, call);
    return observed;
  });
}

/**
 * Follows what is done with an `APIPromise` handed to the caller: each `parse()` (to see the body
 * fail), each further `_thenUnwrap` (the SDK's `parse()` helpers build on it), and `asResponse()`
 * used on its own (the caller reads the body; the span ends when the response arrives).
 */
function watch(promise: APIPromiseLike, call: ModelCall): void {
  const { parse, _thenUnwrap: thenUnwrap, asResponse } = promise;
  if (typeof parse === 'function') {
    promise.parse = function watchedParse(this: unknown): unknown {
      const parsed = Reflect.apply(parse, this, arguments);
      call.watchParsed(parsed);
      return parsed;
    };
  }
  if (typeof thenUnwrap === 'function') {
    promise._thenUnwrap = function watchedThenUnwrap(this: unknown): unknown {
      const next = Reflect.apply(thenUnwrap, this, arguments) as APIPromiseLike;
      if (next !== null && typeof next === 'object') watch(next, call);
      return next;
    };
  }
  if (typeof asResponse === 'function') {
    promise.asResponse = function watchedAsResponse(this: APIPromiseLike): unknown {
      // `withResponse()` parses first; only a bare `asResponse()` finds nothing parsing.
      if (this.parsedPromise === undefined) call.expectRawResponse();
      return Reflect.apply(asResponse, this, arguments);
    };
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}
