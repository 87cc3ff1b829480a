/**
 * Following an `APIPromise` without changing what the caller gets: the caller receives the SDK's
 * own promise, untouched. The request's `responsePromise` (shared by every promise the SDK derives
 * from it with `_thenUnwrap`, as its `parse()` helpers do) finds the call in a `WeakMap`, and
 * `parse` and `asResponse` are wrapped once on the `APIPromise` prototype: the first `parse()` of
 * any of those promises (every `await`, `.then()` and `withResponse()` goes through it) is
 * followed to its result or failure, and an `asResponse()` used on its own ends the span when the
 * response arrives. Any other promise passes straight through.
 */
import { context } from '@opentelemetry/api';
import { keepShapes } from '@runproof/core/adapter';
import { findOwner } from './attempts.ts';
import { AbandonWatch, type Abandonable } from './abandoned.ts';
import { IDLE_CALL, logFailure, type ModelCall } from './model-call.ts';

interface APIPromiseLike {
  responsePromise?: unknown;
  parsedPromise?: unknown;
  parse?: unknown;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** What the SDK's response promise resolves to: the HTTP response of the last attempt. */
interface ResponseProps {
  response?: { headers?: { get(name: string): string | null } };
}

/** The followed request of each observed call, by the `responsePromise` its `APIPromise`s share. */
const requests = new WeakMap<object, FollowedRequest>();
/** `APIPromise` prototypes whose `parse` and `asResponse` are wrapped. */
const watchedPrototypes = new WeakSet<object>();

/** Starts following the SDK's result for `call`; returns `result` itself, which is what the caller gets. */
export function observeResult(call: ModelCall, result: unknown): unknown {
  try {
    const promise = result as APIPromiseLike | null;
    if (
      promise === null ||
      typeof promise !== 'object' ||
      typeof promise.parse !== 'function' ||
      !isThenable(promise.responsePromise)
    ) {
      // Not an APIPromise this adapter knows: follow it as a plain promise, or end the span now.
      if (isThenable(result)) result.then(call.onResult, call.onFailure);
      else call.onResult(result);
      return result;
    }
    const request = new FollowedRequest(call, promise);
    promise.responsePromise.then(request.onResponse, request.onRequestFailure);
    requests.set(promise.responsePromise, request);
    watchPrototype(Object.getPrototypeOf(promise) as object | null);
    return promise;
  } catch (error) {
    logFailure('following an OpenAI response', error);
    return result;
  }
}

/**
 * One request, from `create()` to its parse: who takes its result decides when the call's span
 * ends. Its first parse (whichever `APIPromise` of the request makes it) ends the span with the
 * parsed result; a raw response nobody parses, on the turn after it arrives; a promise nobody
 * ever parses, once the caller has abandoned it.
 */
class FollowedRequest implements Abandonable {
  private readonly call: ModelCall;
  /** The promise the caller was given, until the response arrives. */
  private given: object | undefined;
  /** When the response arrived (`performance.now()`): where a call nobody parses ends. */
  private responseTime: number | undefined;
  private rawResponseOnly = false;
  private parseFollowed = false;
  /** Ends the call should the caller abandon the promise before anyone parses it; released by the parse. */
  private watch: AbandonWatch | undefined;
  /** The failure raised again because nobody had taken it (see `onRequestFailure`). */
  private unhandled: Promise<never> | undefined;

  constructor(call: ModelCall, given: object) {
    this.call = call;
    this.given = given;
  }

  /** The response arrived (headers; the body is read later by whoever parses it). */
  readonly onResponse = (props: unknown): void => {
    this.responseTime = performance.now();
    const headers = (props as ResponseProps | undefined)?.response?.headers;
    if (headers !== undefined) this.call.noteResponse(headers);
    const given = this.given;
    this.given = undefined;
    // A caller that reads the raw response and then awaits the promise too parses in the same turn.
    if (this.rawResponseOnly) setImmediate(() => this.finishAtResponse());
    // Nobody is parsing yet: if the caller has abandoned the promise, nobody ever will.
    else if (!this.parseFollowed && given !== undefined) {
      this.watch = new AbandonWatch(this);
      this.watch.watch(given);
    }
  };

  /**
   * The request failed before a response: API error after the SDK's retries, connection error,
   * abort. When nobody had taken the result by then, the SDK's rejection would have been unhandled
   * without this adapter's reaction: it is raised again, with the same error, so the app behaves
   * as it does uninstrumented (Node's `unhandledRejection`).
   */
  readonly onRequestFailure = (error: unknown): void => {
    this.call.fail(error);
    if (!this.taken()) {
      setImmediate(() => {
        if (!this.taken()) this.unhandled = Promise.reject(error);
      });
    }
  };

  /**
   * Runs the first parse of the response and follows its result. It runs in the call's context, so
   * a retry the SDK makes while reading the body counts as one of the call's attempts. The
   * reactions added here run before the caller's, which are added after `parse()` returns: a
   * stream is observed before it is read.
   */
  followParse(parse: Method, promise: unknown, args: ArrayLike<unknown>): unknown {
    if (this.parseFollowed) return Reflect.apply(parse, promise, args);
    this.parseFollowed = true;
    // Nothing looks the request up again (a later parse passes straight through). Dropped now, not
    // when its promise dies: V8's young-generation collection copies a WeakMap's values whether or
    // not their keys live, so each entry carried its call (span, body, result) through the next
    // one, doubling what survived it (measured with --trace-gc-nvp; docs/benchmarks.md).
    requests.delete((promise as APIPromiseLike).responsePromise as object);
    this.watch?.release();
    this.handledLate();
    const parsed = context.with(this.call.context, Reflect.apply, undefined, parse, promise, args) as unknown;
    if (isThenable(parsed)) parsed.then(this.call.onResult, this.call.onFailure);
    return parsed;
  }

  /** The caller let go of the promise before anyone parsed it: the call ends as the response arrived. */
  abandoned(): void {
    this.finishAtResponse();
  }

  /** The caller asked for the raw `Response` without parsing: the span ends once it arrives. */
  expectRawResponse(): void {
    this.rawResponseOnly = true;
    this.handledLate();
    if (this.responseTime !== undefined) setImmediate(() => this.finishAtResponse());
  }

  /** The caller takes a failure that was reported unhandled: Node reports it handled, as it would the SDK's own promise. */
  private handledLate(): void {
    this.unhandled?.catch(() => {});
    this.unhandled = undefined;
  }

  /** Whether anyone has taken the request's result: a parse, or the raw response. */
  private taken(): boolean {
    return this.parseFollowed || this.rawResponseOnly;
  }

  /** Ends the span at the response's arrival, unless a parse is under way (it ends the span itself). */
  private finishAtResponse(): void {
    if (!this.parseFollowed) this.call.finish(this.responseTime);
  }
}

// An idle request, kept for the class's shape (see `keepShapes`).
keepShapes(new FollowedRequest(IDLE_CALL, {}));

/**
 * Wraps, once per `APIPromise` class, the methods that show what is done with a promise: the
 * first `parse()` (its result or failure ends the span) and `asResponse()` used on its own (the
 * caller reads the body; the span ends after the response arrives). The wrappers stay for the
 * life of the process and do nothing for requests this adapter did not observe.
 */
function watchPrototype(prototype: object | null): void {
  if (prototype === null || watchedPrototypes.has(prototype)) return;
  watchedPrototypes.add(prototype);
  wrapOnPrototype(
    prototype,
    'parse',
    (parse) =>
      function watchedParse(this: APIPromiseLike): unknown {
        const request = requestOf(this);
        return request === undefined
          ? Reflect.apply(parse, this, arguments)
          : request.followParse(parse, this, arguments);
      },
  );
  wrapOnPrototype(
    prototype,
    'asResponse',
    (asResponse) =>
      function watchedAsResponse(this: APIPromiseLike): unknown {
        // `withResponse()` parses first; only a bare `asResponse()` finds nothing parsing.
        if (this.parsedPromise === undefined) requestOf(this)?.expectRawResponse();
        return Reflect.apply(asResponse, this, arguments);
      },
  );
}

function requestOf(promise: APIPromiseLike): FollowedRequest | undefined {
  const request = promise.responsePromise;
  return request !== null && typeof request === 'object' ? requests.get(request) : undefined;
}

/** Replaces `name` on the object of `prototype`'s chain that defines it (the SDK's class). */
function wrapOnPrototype(prototype: object, name: string, wrap: (original: Method) => Function): void {
  const owner = findOwner(prototype, name);
  const descriptor = owner === undefined ? undefined : Object.getOwnPropertyDescriptor(owner, name);
  if (typeof descriptor?.value === 'function')
    Object.defineProperty(owner, name, { ...descriptor, value: wrap(descriptor.value as Method) });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
