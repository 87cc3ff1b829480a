/**
 * Following an `APIPromise` without changing what the caller gets: the caller receives the SDK's
 * own promise, untouched. The request's `responsePromise` (shared by every promise the SDK derives
 * from it with `_thenUnwrap`, as its `parse()` helpers do) finds the call in a `WeakMap`, and
 * `parse` and `asResponse` are wrapped once on the `APIPromise` prototype: the first `parse()` of
 * any of those promises (every `await`, `.then()` and `withResponse()` goes through it) is
 * followed to its result or failure, and an `asResponse()` used on its own ends the span when the
 * response arrives. Any other promise passes straight through.
 */
import { safely } from '@runproof/core/adapter';
import { findOwner } from './attempts.ts';
import type { ModelCall } from './model-call.ts';

interface APIPromiseLike {
  responsePromise?: unknown;
  parsedPromise?: unknown;
  parse?: unknown;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** The call each observed request belongs to, by the `responsePromise` its `APIPromise`s share. */
const callsByRequest = new WeakMap<object, ModelCall>();
/** `APIPromise` prototypes whose `parse` and `asResponse` are wrapped. */
const watchedPrototypes = new WeakSet<object>();

/** Starts following the SDK's result for `call`; returns `result` itself, which is what the caller gets. */
export function observeResult(call: ModelCall, result: unknown): unknown {
  return safely('following an OpenAI response', result, () => {
    const promise = result as APIPromiseLike | null;
    if (promise === null || typeof promise !== 'object' || typeof promise.parse !== 'function' || !isThenable(promise.responsePromise)) {
      // Not an APIPromise this adapter knows: follow it as a plain promise, or end the span now.
      if (isThenable(result)) result.then(call.onParsed, call.onParseFailure);
      else call.onParsed(result);
      return result;
    }
    promise.responsePromise.then(call.onResponse, call.onRequestFailure);
    callsByRequest.set(promise.responsePromise, call);
    call.holdUntilResponse(promise);
    watchPrototype(Object.getPrototypeOf(promise) as object | null);
    return promise;
  });
}

/**
 * Wraps, once per `APIPromise` class, the methods that show what is done with a promise: the
 * first `parse()` (its result or failure ends the span) and `asResponse()` used on its own (the
 * caller reads the body; the span ends when the response arrives). The wrappers stay for the life of the process and do
 * nothing for requests this adapter did not observe.
 */
function watchPrototype(prototype: object | null): void {
  if (prototype === null || watchedPrototypes.has(prototype)) return;
  watchedPrototypes.add(prototype);
  wrapOnPrototype(prototype, 'parse', (parse) =>
    function watchedParse(this: APIPromiseLike): unknown {
      const call = callOf(this);
      return call === undefined ? Reflect.apply(parse, this, arguments) : call.followParse(parse, this, arguments);
    });
  wrapOnPrototype(prototype, 'asResponse', (asResponse) =>
    function watchedAsResponse(this: APIPromiseLike): unknown {
      // `withResponse()` parses first; only a bare `asResponse()` finds nothing parsing.
      if (this.parsedPromise === undefined) callOf(this)?.expectRawResponse();
      return Reflect.apply(asResponse, this, arguments);
    });
}

function callOf(promise: APIPromiseLike): ModelCall | undefined {
  const request = promise.responsePromise;
  return request !== null && typeof request === 'object' ? callsByRequest.get(request) : undefined;
}

/** Replaces `name` on the object of `prototype`'s chain that defines it (the SDK's class). */
function wrapOnPrototype(prototype: object, name: string, wrap: (original: Method) => Function): void {
  const owner = findOwner(prototype, name);
  const descriptor = owner === undefined ? undefined : Object.getOwnPropertyDescriptor(owner, name);
  if (typeof descriptor?.value === 'function') Object.defineProperty(owner, name, { ...descriptor, value: wrap(descriptor.value as Method) });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}
