/**
 * Following an `APIPromise` without changing what the caller gets. The SDK's own composition hook,
 * `_thenUnwrap(transform)`, gives a new `APIPromise` of the same class over the same request
 * (`.withResponse()`, `.asResponse()`, `_request_id` and the SDK's helpers all work on it) whose
 * transform sees the parsed result and returns it unchanged. Failures are seen on the request
 * promise (before a response) and on each parse (reading the body).
 *
 * What is done with the observed promise afterwards, and with every promise the SDK derives from
 * it (its `parse()` helpers chain `_thenUnwrap`), is seen by wrapping `parse` and `asResponse` once
 * on the `APIPromise` prototype. All those promises share the request's `responsePromise`, which
 * finds the call in a `WeakMap`; any other promise passes straight through. The promises
 * themselves are never modified, so the SDK's code keeps seeing objects of one shape.
 */
import { safely } from '@runproof/core/adapter';
import { findOwner } from './attempts.ts';
import type { ModelCall } from './model-call.ts';

interface APIPromiseLike {
  responsePromise?: unknown;
  parsedPromise?: unknown;
  _thenUnwrap?: unknown;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** The call each observed request belongs to, by the `responsePromise` its `APIPromise`s share. */
const callsByRequest = new WeakMap<object, ModelCall>();
/** `APIPromise` prototypes whose `parse` and `asResponse` are wrapped. */
const watchedPrototypes = new WeakSet<object>();

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
    callsByRequest.set(promise.responsePromise, call);
    const observed = (promise._thenUnwrap as Method).call(promise, call.onParsed) as object;
    watchPrototype(Object.getPrototypeOf(observed) as object | null);
    return observed;
  });
}

/**
 * Wraps, once per `APIPromise` class, the methods that show what is done with a promise: each
 * `parse()` (to see the body fail) and `asResponse()` used on its own (the caller reads the body;
 * the span ends when the response arrives). The wrappers stay for the life of the process and do
 * nothing for requests this adapter did not observe.
 */
function watchPrototype(prototype: object | null): void {
  if (prototype === null || watchedPrototypes.has(prototype)) return;
  watchedPrototypes.add(prototype);
  wrapOnPrototype(prototype, 'parse', (parse) =>
    function watchedParse(this: APIPromiseLike): unknown {
      const parsed = Reflect.apply(parse, this, arguments);
      callOf(this)?.watchParsed(parsed);
      return parsed;
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
