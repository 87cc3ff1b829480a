import { trace, type Tracer, type TracerProvider } from '@opentelemetry/api';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  isWrapped,
} from '@opentelemetry/instrumentation';
import { SCOPE_OPTIONS } from '@runproof/core/adapter';
import { RunproofCallbackHandler } from './callback-handler.ts';
import {
  wrapCallWithConfig,
  wrapConfigure,
  wrapGraphStream,
  wrapPromptGenerate,
  wrapScoped,
  wrapScopedGenerator,
  wrapStreamEntry,
  wrapToolCall,
  type Method,
} from './patches.ts';
import type { LangChainClasses, LangChainInstrumentationConfig } from './types.ts';
import { VERSION } from './version.ts';

const SUPPORTED_VERSIONS = ['>=1.0.0 <2'];

type ClassName = keyof LangChainClasses;

interface Patch {
  /** Which export of which `@langchain/core` file (without extension). */
  file: string;
  className: ClassName;
  /** Static methods are patched on the class, others on its prototype. */
  isStatic: boolean;
  method: string;
  wrap: (original: Method, instrumentation: LangChainInstrumentation) => Method;
}

const PATCHES: readonly Patch[] = [
  {
    file: 'dist/callbacks/manager',
    className: 'CallbackManager',
    isStatic: true,
    method: '_configureSync',
    wrap: (original, instrumentation) =>
      wrapConfigure(original, instrumentation.handler, () => instrumentation.isEnabled()),
  },
  {
    file: 'dist/language_models/chat_models',
    className: 'BaseChatModel',
    isStatic: false,
    method: '_generateUncached',
    wrap: (original, instrumentation) =>
      wrapScoped('model', original, (model) => instrumentation.wrapPromptGenerate(model)),
  },
  {
    file: 'dist/language_models/chat_models',
    className: 'BaseChatModel',
    isStatic: false,
    method: '_streamIterator',
    wrap: (original, { handler }) => wrapScopedGenerator('model', original, handler),
  },
  {
    file: 'dist/language_models/llms',
    className: 'BaseLLM',
    isStatic: false,
    method: '_generateUncached',
    wrap: (original) => wrapScoped('model', original),
  },
  {
    file: 'dist/language_models/llms',
    className: 'BaseLLM',
    isStatic: false,
    method: '_streamIterator',
    wrap: (original, { handler }) => wrapScopedGenerator('model', original, handler),
  },
  {
    file: 'dist/tools/index',
    className: 'StructuredTool',
    isStatic: false,
    method: 'call',
    wrap: (original, { handler }) => wrapToolCall(original, handler),
  },
  {
    file: 'dist/retrievers/index',
    className: 'BaseRetriever',
    isStatic: false,
    method: 'invoke',
    wrap: (original) => wrapScoped('retriever', original),
  },
  {
    file: 'dist/runnables/base',
    className: 'Runnable',
    isStatic: false,
    method: '_callWithConfig',
    wrap: (original, { handler }) => wrapCallWithConfig(original, handler),
  },
  // Chain streams: every generator that starts a chain run gets a scope of its own, so the run each
  // starts is the one its scope ends when the caller abandons the stream. Runnable's own
  // `_streamIterator` (a finished `invoke`) and `_transformStreamWithConfig` (lambdas, parsers, maps)
  // here; a subclass's own `_streamIterator` (a sequence's, a graph's) on its first `stream` or
  // `transform`.
  {
    file: 'dist/runnables/base',
    className: 'Runnable',
    isStatic: false,
    method: '_streamIterator',
    wrap: (original, { handler }) => wrapScopedGenerator('chain', original, handler),
  },
  {
    file: 'dist/runnables/base',
    className: 'Runnable',
    isStatic: false,
    method: '_transformStreamWithConfig',
    wrap: (original, { handler }) => wrapScopedGenerator('transform', original, handler),
  },
  // A LangGraph graph's `invoke` streams through `stream`: its thread's checkpoints carry the run.
  {
    file: 'dist/runnables/base',
    className: 'Runnable',
    isStatic: false,
    method: 'stream',
    wrap: (original, instrumentation) =>
      wrapGraphStream(wrapChainStreamEntry(original, instrumentation), instrumentation.handler, () =>
        instrumentation.isEnabled(),
      ),
  },
  {
    file: 'dist/runnables/base',
    className: 'Runnable',
    isStatic: false,
    method: 'transform',
    wrap: wrapChainStreamEntry,
  },
];

function wrapChainStreamEntry(original: Method, instrumentation: LangChainInstrumentation): Method {
  return wrapStreamEntry(original, (runnable) => instrumentation.wrapChainStreamIterator(runnable));
}

/** Prototypes whose own `_streamIterator` was wrapped on first use, per instrumentation (unwrapped on disable). */
const chainStreamOwners = new WeakMap<LangChainInstrumentation, Set<Record<string, Method>>>();
/** Model prototypes whose own `_generate` was wrapped on first use, per instrumentation (unwrapped on disable). */
const generateOwners = new WeakMap<LangChainInstrumentation, Set<Record<string, Method>>>();

// Created on first use: InstrumentationBase's constructor enables (and so patches) before a
// subclass's own fields exist.
const handlers = new WeakMap<LangChainInstrumentation, RunproofCallbackHandler>();
const scopedTracers = new WeakMap<LangChainInstrumentation, Tracer>();

/**
 * OpenTelemetry instrumentation of `@langchain/core` 1.x (and so `langchain`, LangGraph and every
 * integration): adds a {@link RunproofCallbackHandler} to every callback manager LangChain builds,
 * and makes model, tool, retriever and node spans the active context while they run, so spans
 * made below them (the OpenAI adapter's, HTTP, the user's) nest under them. Works for CommonJS and,
 * with `--import @runproof/core/register`, for ES modules. `start()` loads it automatically.
 *
 * @example
 * const instrumentation = new LangChainInstrumentation();
 * registerInstrumentations({ instrumentations: [instrumentation] });
 */
export class LangChainInstrumentation extends InstrumentationBase<LangChainInstrumentationConfig> {
  constructor(config: LangChainInstrumentationConfig = {}) {
    super('@runproof/langchain-adapter', VERSION, config);
  }

  /** The handler this instrumentation installs; its spans go to this instrumentation's tracer. */
  get handler(): RunproofCallbackHandler {
    let handler = handlers.get(this);
    if (handler === undefined) {
      handler = new RunproofCallbackHandler({ tracerProvider: { getTracer: () => this.scopedTracer() } });
      handlers.set(this, handler);
    }
    return handler;
  }

  /** The tracer of the provider `registerInstrumentations` (or `start()`) gave, with the conventions' schema URL. */
  override setTracerProvider(tracerProvider: TracerProvider): void {
    super.setTracerProvider(tracerProvider);
    scopedTracers.set(this, tracerProvider.getTracer('@runproof/langchain-adapter', VERSION, SCOPE_OPTIONS));
  }

  private scopedTracer(): Tracer {
    return (
      scopedTracers.get(this) ??
      trace.getTracerProvider().getTracer('@runproof/langchain-adapter', VERSION, SCOPE_OPTIONS)
    );
  }

  /**
   * Patches classes the app imported itself, for when no module hook is in place (an ES module
   * app started without `--import @runproof/core/register`, or a bundled app).
   *
   * @example
   * import { CallbackManager } from '@langchain/core/callbacks/manager';
   * import { BaseChatModel } from '@langchain/core/language_models/chat_models';
   * createInstrumentation().manuallyInstrument({ CallbackManager, BaseChatModel });
   */
  manuallyInstrument(classes: LangChainClasses): void {
    for (const patch of PATCHES) {
      const target = classes[patch.className];
      if (target !== undefined) this.patchClass(patch, target);
    }
  }

  /**
   * Wraps the `_streamIterator` that `runnable`'s class defines (a `RunnableSequence`'s, a LangGraph
   * graph's, an app's own subclass), once per class, so the chain run it starts is ended when the
   * caller abandons the stream. `Runnable`'s own and the models' are wrapped already.
   * @internal Called by the `stream` and `transform` wrappers.
   */
  wrapChainStreamIterator(runnable: object): void {
    const handler = this.handler;
    this.wrapOwnMethod(runnable, '_streamIterator', chainStreamOwners, (original) =>
      wrapScopedGenerator('chain', original, handler),
    );
  }

  /**
   * Wraps the `_generate` that `model`'s class defines, once per class, so each prompt of a
   * `generate()` with several runs its request in its own run's context.
   * @internal Called by the `_generateUncached` wrapper.
   */
  wrapPromptGenerate(model: object): void {
    const handler = this.handler;
    this.wrapOwnMethod(model, '_generate', generateOwners, (original) => wrapPromptGenerate(original, handler));
  }

  /** Wraps `method` on the prototype of `target`'s chain that defines it, once, remembering the owner in `owners` (unwrapped on disable). */
  private wrapOwnMethod(
    target: object,
    method: string,
    owners: WeakMap<LangChainInstrumentation, Set<Record<string, Method>>>,
    wrap: (original: Method) => Method,
  ): void {
    if (!this.isEnabled()) return;
    let owner = Object.getPrototypeOf(target) as Record<string, Method> | null;
    while (owner !== null && !Object.hasOwn(owner, method))
      owner = Object.getPrototypeOf(owner) as Record<string, Method> | null;
    if (owner === null || typeof owner[method] !== 'function' || isWrapped(owner[method])) return;
    this._wrap(owner, method, wrap);
    let mine = owners.get(this);
    if (mine === undefined) owners.set(this, (mine = new Set()));
    mine.add(owner);
  }

  override disable(): void {
    super.disable();
    for (const owner of chainStreamOwners.get(this) ?? [])
      if (isWrapped(owner._streamIterator)) this._unwrap(owner, '_streamIterator');
    chainStreamOwners.delete(this);
    for (const owner of generateOwners.get(this) ?? [])
      if (isWrapped(owner._generate)) this._unwrap(owner, '_generate');
    generateOwners.delete(this);
  }

  protected init(): InstrumentationNodeModuleDefinition {
    const files = [...new Set(PATCHES.map((patch) => patch.file))].flatMap((file) => {
      const patches = PATCHES.filter((patch) => patch.file === file);
      return ['.js', '.cjs'].map(
        (extension) =>
          new InstrumentationNodeModuleFile(
            `@langchain/core/${file}${extension}`,
            SUPPORTED_VERSIONS,
            (moduleExports: Record<string, unknown>) => {
              for (const patch of patches) this.patchClass(patch, moduleExports?.[patch.className]);
              return moduleExports;
            },
            (moduleExports?: Record<string, unknown>) => {
              for (const patch of patches) this.unpatchClass(patch, moduleExports?.[patch.className]);
            },
          ),
      );
    });
    return new InstrumentationNodeModuleDefinition('@langchain/core', SUPPORTED_VERSIONS, undefined, undefined, files);
  }

  private methodOwner(patch: Patch, target: unknown): Record<string, Method> | undefined {
    if (typeof target !== 'function') return undefined;
    const owner = (patch.isStatic ? target : (target as { prototype?: unknown }).prototype) as
      Record<string, Method> | undefined;
    return typeof owner?.[patch.method] === 'function' ? owner : undefined;
  }

  private patchClass(patch: Patch, target: unknown): void {
    const owner = this.methodOwner(patch, target);
    if (owner === undefined) {
      this._diag.warn(`${patch.className}.${patch.method} not found; LangChain calls through it are not instrumented`);
      return;
    }
    if (isWrapped(owner[patch.method])) {
      // A model class streamed before its own patch came (the classes patched one by one): its
      // `_streamIterator` got the chain wrapper; the model's replaces it.
      const lazily = chainStreamOwners.get(this);
      if (patch.method !== '_streamIterator' || lazily?.has(owner) !== true) return;
      this._unwrap(owner, patch.method);
      lazily.delete(owner);
    }
    this._wrap(owner, patch.method, (original: Method) => patch.wrap(original, this));
  }

  private unpatchClass(patch: Patch, target: unknown): void {
    const owner = this.methodOwner(patch, target);
    if (owner !== undefined && isWrapped(owner[patch.method])) this._unwrap(owner, patch.method);
  }
}

/**
 * The LangChain instrumentation `start()` loads when this package is installed.
 *
 * @example
 * start({ instrumentations: [createInstrumentation()] });
 */
export function createInstrumentation(config: LangChainInstrumentationConfig = {}): LangChainInstrumentation {
  return new LangChainInstrumentation(config);
}
