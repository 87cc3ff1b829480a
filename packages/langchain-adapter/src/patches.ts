import { context, trace } from '@opentelemetry/api';
import { safely } from '@runproof/core/adapter';
import type { RunproofCallbackHandler } from './callback-handler.ts';
import { HANDLER_NAME } from './callback-handler.ts';
import { bindAsyncGenerator, enterScope, RunScope, type ScopeKind } from './deferred-span.ts';
import { asRecord } from './model-attributes.ts';
import { addEntryOnPut, checkpointedGraph, readResumePoint, resumedThread } from './thread-checkpoints.ts';

/** A method as the patches see it. */
export type Method = (this: unknown, ...args: unknown[]) => unknown;

interface CallbackManagerLike {
  handlers: { name?: string }[];
  addHandler(handler: unknown, inherit?: boolean): void;
}

/**
 * Wraps `CallbackManager._configureSync` (which `configure` and LangChain's context propagation
 * both call) so every callback manager LangChain builds includes the handler, inheritable, exactly
 * once. When the caller passed no handlers the handler is passed in their place, so LangChain still
 * applies the tags and metadata (LangGraph's `langgraph_*` keys among them).
 */
export function wrapConfigure(original: Method, handler: RunproofCallbackHandler, enabled: () => boolean): Method {
  return function configureWithRunproof(this: unknown, ...args: unknown[]): unknown {
    // Classes patched by hand stay patched after `disable()`; the handler is then left out.
    if (!enabled()) return original.apply(this, args);
    const given = !!args[0] || !!args[1];
    const manager = original.apply(this, given ? args : [[handler], ...args.slice(1)]) as
      CallbackManagerLike | undefined;
    if (given && manager !== undefined) {
      safely('adding the Runproof callback handler', undefined, () => {
        if (!manager.handlers.some((existing) => existing === handler || existing?.name === HANDLER_NAME))
          manager.addHandler(handler, true);
      });
    }
    return manager;
  };
}

/** The current context, entered into a new scope of `kind` (or `scope`). */
function scopedContext(kind: ScopeKind, scope = new RunScope(kind, trace.getSpan(context.active()))) {
  return enterScope(context.active(), scope);
}

/**
 * Wraps a promise-returning entry point (`BaseChatModel._generateUncached`, `BaseRetriever.invoke`)
 * so the span LangChain's start callback creates inside it is the active span for the rest of it.
 */
export function wrapScoped(kind: ScopeKind, original: Method, prepare?: (target: object) => void): Method {
  return function runInScope(this: unknown, ...args: unknown[]): unknown {
    if (prepare !== undefined && this !== null && typeof this === 'object')
      safely('preparing a LangChain call', undefined, () => prepare(this));
    return context.with(scopedContext(kind), () => original.apply(this, args));
  };
}

/**
 * The same for async-generator entry points (a model's or a chain's `_streamIterator`, a chain's
 * `_transformStreamWithConfig`): each step runs in the scope. A caller that abandons the stream
 * (stops reading early) gets no end callback from LangChain, so the run's span is ended (and its
 * boundary hold released) when the stream is returned.
 */
export function wrapScopedGenerator(kind: ScopeKind, original: Method, handler: RunproofCallbackHandler): Method {
  return function streamInScope(this: unknown, ...args: unknown[]): unknown {
    const scope = new RunScope(kind, trace.getSpan(context.active()));
    const scoped = scopedContext(kind, scope);
    const generator = context.with(scoped, () => original.apply(this, args)) as AsyncGenerator<unknown>;
    return safely('binding a LangChain stream to its span', generator, () =>
      bindAsyncGenerator(generator, scoped, scope, () => handler.endAbandoned(scope)),
    );
  };
}

/**
 * Wraps a chat model's own `_generate`, which `generate()` calls once per prompt with that prompt's
 * run manager: a later prompt's request runs in its own run's context, so its spans (the OpenAI
 * adapter's claim among them) go to its run, not to the first prompt's.
 */
export function wrapPromptGenerate(original: Method, handler: RunproofCallbackHandler): Method {
  return function generateInPromptRun(this: unknown, ...args: unknown[]): unknown {
    const runId = asRecord(args[2]).runId;
    const promptContext = typeof runId === 'string' ? handler.contextForPrompt(runId) : undefined;
    return promptContext === undefined
      ? original.apply(this, args)
      : context.with(promptContext, () => original.apply(this, args));
  };
}

/**
 * Wraps `Runnable.stream` and `Runnable.transform`, the entry points of every chain stream: before
 * the stream starts, `prepare` makes sure the runnable's class has its own `_streamIterator` (a
 * sequence's, a graph's) wrapped like a model's, so a chain stream the caller abandons still ends
 * the chain's span.
 */
export function wrapStreamEntry(original: Method, prepare: (runnable: object) => void): Method {
  return function streamWithEndingSpans(this: unknown, ...args: unknown[]): unknown {
    if (this !== null && typeof this === 'object')
      safely('preparing a LangChain stream', undefined, () => prepare(this));
    return original.apply(this, args);
  };
}

/**
 * Wraps `Runnable.stream`, which a LangGraph graph's `invoke` streams through, for graphs with a
 * checkpointer: its `put` saves Runproof's entry (the run id and graph span) with each checkpoint of
 * a thread, and a `Command({ resume })` on a thread first reads the thread's last checkpoint, so
 * the invocation that resumes it, in this process or any other, continues its run. Other runnables
 * and calls inside a running graph pass straight through; a failed read or write only loses that.
 */
export function wrapGraphStream(original: Method, handler: RunproofCallbackHandler, enabled: () => boolean): Method {
  return function streamWithThreadCheckpoints(this: unknown, ...args: unknown[]): unknown {
    const graph = enabled() ? safely('reading a LangGraph graph', undefined, () => checkpointedGraph(this)) : undefined;
    if (graph === undefined) return original.apply(this, args);
    safely("adding Runproof's entry to LangGraph checkpoints", undefined, () =>
      addEntryOnPut(graph.checkpointer, (threadId) => handler.runningThread(threadId)),
    );
    const [input, options] = args;
    const resumed = safely('reading the thread a LangGraph call resumes', undefined, () =>
      resumedThread(input, options),
    );
    if (resumed === undefined) return original.apply(this, args);
    return readResumePoint(graph, resumed.configurable).then((point) => {
      if (point !== undefined)
        safely('keeping a LangGraph resume point', undefined, () =>
          handler.expectResume(input as object, resumed.threadId, point),
        );
      return original.apply(this, args);
    });
  };
}

/**
 * Wraps `StructuredTool.call`: the tool's span is the active span while the tool runs, and a call
 * LangChain rejects before any callback (arguments that fail the tool's schema) is still recorded.
 */
export function wrapToolCall(original: Method, handler: RunproofCallbackHandler): Method {
  return function callToolInScope(this: unknown, ...args: unknown[]): unknown {
    const scope = new RunScope('tool', trace.getSpan(context.active()));
    const result = context.with(scopedContext('tool', scope), () => original.apply(this, args));
    if (!(result instanceof Promise)) return result;
    return result.catch(async (error: unknown) => {
      // No span yet: LangChain threw before reporting the tool's start.
      if (scope.span === undefined && isToolInputParsingError(error)) {
        await safely('recording a rejected tool call', undefined, () => {
          const tool = asRecord(this);
          const [input, config] = args;
          const toolCall = asRecord(input).type === 'tool_call' ? asRecord(input) : asRecord(asRecord(config).toolCall);
          const callbacks = asRecord(asRecord(config).callbacks);
          const parentRunId =
            typeof callbacks.getParentRunId === 'function'
              ? (callbacks as { getParentRunId(): string | undefined }).getParentRunId()
              : undefined;
          const toolCallId = typeof toolCall.id === 'string' ? toolCall.id : undefined;
          const toolInput = asRecord(input).type === 'tool_call' ? asRecord(input).args : input;
          return handler.recordToolInputFailure(
            typeof tool.name === 'string' ? tool.name : 'tool',
            toolCallId,
            tool.schema,
            toolInput,
            parentRunId,
            error,
          );
        });
      }
      throw error;
    });
  };
}

/**
 * Wraps `Runnable._callWithConfig`, which runs lambdas and LangGraph nodes: the body runs with the
 * run's span active, so spans made inside a node nest under it.
 */
export function wrapCallWithConfig(original: Method, handler: RunproofCallbackHandler): Method {
  return function callWithSpan(this: unknown, ...args: unknown[]): unknown {
    const [body, ...rest] = args;
    if (typeof body !== 'function') return original.apply(this, args);
    const run = body as Method;
    const inSpan = function (this: unknown, ...bodyArgs: unknown[]): unknown {
      const runManager = asRecord(bodyArgs[2]);
      const runContext = handler.contextForRun(typeof runManager.runId === 'string' ? runManager.runId : undefined);
      return runContext === undefined
        ? run.apply(this, bodyArgs)
        : context.with(runContext, () => run.apply(this, bodyArgs));
    };
    return original.apply(this, [inSpan, ...rest]);
  };
}

/** LangChain's `ToolInputParsingException` keeps `name` = `Error`; its class name is what identifies it. */
function isToolInputParsingError(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.constructor.name === 'ToolInputParsingException' || error.name === 'ToolInputParsingException')
  );
}
