import {
  context,
  createContextKey,
  INVALID_SPAN_CONTEXT,
  trace,
  type Attributes,
  type AttributeValue,
  type Context,
  type Exception,
  type Link,
  type Span,
  type SpanContext,
  type SpanStatus,
  type TimeInput,
} from '@opentelemetry/api';
import { keepShapes, setModelSpan } from '@runproof/core/adapter';
import { ATTR_GEN_AI_INPUT_MESSAGES } from '@runproof/core/semconv';

/**
 * What kind of LangChain run a {@link RunScope} is waiting for. `transform` is a chain that starts
 * its run only after pulling its first input (`_transformStreamWithConfig`: lambdas, parsers).
 */
export type ScopeKind = 'model' | 'tool' | 'retriever' | 'chain' | 'transform';

const SCOPE_KEY = createContextKey('runproof:langchain-run-scope');
const NON_RECORDING = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * The span of a LangChain model, tool, retriever or streamed chain run, before it exists.
 *
 * LangChain starts the run (and calls the callback handler that creates our span) *inside* the
 * method that then does the work, so no wrapper outside that method can hold the span when it
 * starts. The patched entry point makes a scope and a {@link DeferredSpan} standing for it the
 * active span; the handler fills the scope in when LangChain reports the run's start, which it
 * does (handlers run inline) before any work happens. From then on everything that reads the
 * active span (the OpenAI adapter, HTTP instrumentation, user code) sees the run's span.
 */
export class RunScope {
  /** The run's span once the handler started it. */
  span: Span | undefined;
  /** LangChain's id of that run. */
  runId: string | undefined;
  /** The caller abandoned the stream (stopped reading it): what fails from here on is the stream being closed. */
  abandoned = false;
  /** Steps of the scope's stream in flight: a `next()` called and not settled yet. */
  pending = 0;
  /** Called once, the next time no step is in flight (set for a stream below an abandoned one). */
  whenIdle: (() => void) | undefined;
  /**
   * A provider adapter recorded the input messages of the request it sent on this model span: the
   * run does not record them again, even when that adapter gave the span back after a failed attempt.
   */
  inputMessagesRecorded = false;
  /** The span made active for the scope; what a provider adapter claims as the model span. */
  readonly deferred: DeferredSpan = new DeferredSpan(this);

  readonly kind: ScopeKind;
  /** The span that was active when the entry point was called; stands in until `span` is set. */
  readonly outer: Span | undefined;

  constructor(kind: ScopeKind, outer: Span | undefined) {
    this.kind = kind;
    this.outer = outer;
  }
}

/** A span that forwards to its scope's span, or to the span active before it while there is none. */
export class DeferredSpan implements Span {
  readonly #scope: RunScope;

  constructor(scope: RunScope) {
    this.#scope = scope;
  }

  #target(): Span {
    return this.#scope.span ?? this.#scope.outer ?? NON_RECORDING;
  }

  spanContext(): SpanContext {
    return this.#target().spanContext();
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (key === ATTR_GEN_AI_INPUT_MESSAGES) this.#scope.inputMessagesRecorded = true;
    this.#target().setAttribute(key, value);
    return this;
  }

  setAttributes(attributes: Attributes): this {
    this.#target().setAttributes(attributes);
    return this;
  }

  addEvent(name: string, attributesOrStartTime?: Attributes | TimeInput, startTime?: TimeInput): this {
    this.#target().addEvent(name, attributesOrStartTime, startTime);
    return this;
  }

  addLink(link: Link): this {
    this.#target().addLink(link);
    return this;
  }

  addLinks(links: Link[]): this {
    this.#target().addLinks(links);
    return this;
  }

  setStatus(status: SpanStatus): this {
    this.#target().setStatus(status);
    return this;
  }

  updateName(name: string): this {
    this.#target().updateName(name);
    return this;
  }

  end(endTime?: TimeInput): void {
    this.#target().end(endTime);
  }

  /** False until the run's span exists, so a provider adapter never claims the outer span as a model span. */
  isRecording(): boolean {
    return this.#scope.span?.isRecording() ?? false;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    this.#target().recordException(exception, time);
  }
}

// An idle scope (with its deferred span), kept for the classes' shapes (see `keepShapes`).
keepShapes(new RunScope('model', undefined));

/**
 * A context in which `scope`'s (future) span is the active span; a model scope's is also the model
 * span a provider adapter below claims (`setModelSpan`), so one model call has one span.
 */
export function enterScope(parent: Context, scope: RunScope): Context {
  const scoped = trace.setSpan(parent, scope.deferred).setValue(SCOPE_KEY, scope);
  return scope.kind === 'model' ? setModelSpan(scoped, scope.deferred) : scoped;
}

/** The scope of `kind` waiting for its span in `callContext`, if any. */
export function pendingScope(kind: ScopeKind, callContext: Context = context.active()): RunScope | undefined {
  const scope = callContext.getValue(SCOPE_KEY) as RunScope | undefined;
  return scope !== undefined && scope.kind === kind && scope.span === undefined ? scope : undefined;
}

/** The scope of `kind` in `callContext` whose span another run has already taken, if any. */
export function takenScope(kind: ScopeKind, callContext: Context = context.active()): RunScope | undefined {
  const scope = callContext.getValue(SCOPE_KEY) as RunScope | undefined;
  return scope !== undefined && scope.kind === kind && scope.span !== undefined ? scope : undefined;
}

/**
 * Wraps an async generator so each step runs in `scope`'s context `callContext`: LangChain's
 * streaming methods are async generators whose bodies (model start, HTTP request) run only when the
 * consumer pulls. Steps in flight are counted on the scope. A `return()` before the end (the caller
 * abandons the stream) marks the scope abandoned, closes the generator, then calls `onAbandoned`.
 */
export function bindAsyncGenerator<T>(
  generator: AsyncGenerator<T>,
  callContext: Context,
  scope: RunScope,
  onAbandoned: () => void,
): AsyncGenerator<T> {
  const abandon = async (value: unknown): Promise<IteratorResult<T>> => {
    scope.abandoned = true;
    try {
      return await generator.return(value);
    } finally {
      onAbandoned();
    }
  };
  const settled = (): void => {
    scope.pending -= 1;
    if (scope.pending > 0 || scope.whenIdle === undefined) return;
    const whenIdle = scope.whenIdle;
    scope.whenIdle = undefined;
    whenIdle();
  };
  const step = (...args: [] | [unknown]): Promise<IteratorResult<T>> => {
    scope.pending += 1;
    const result = generator.next(...args);
    result.then(settled, settled);
    return result;
  };
  const bound: AsyncGenerator<T> = {
    next: (...args: [] | [unknown]) => context.with(callContext, step, undefined, ...args),
    return: (value) => context.with(callContext, () => abandon(value)),
    throw: (error: unknown) => context.with(callContext, () => generator.throw(error)),
    [Symbol.asyncIterator]: () => bound,
    [Symbol.asyncDispose]: () => context.with(callContext, async () => void (await abandon(undefined))),
  };
  return bound;
}
