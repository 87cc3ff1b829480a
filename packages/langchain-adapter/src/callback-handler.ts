import {
  context,
  SpanKind,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import type { Serialized } from '@langchain/core/load/serializable';
import {
  captureContent,
  guardModelCall,
  guardToolCall,
  reportObserved,
  safely,
  SCOPE_OPTIONS,
} from '@runproof/core/adapter';
import {
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_RUNPROOF_RUN_ID,
  ATTR_RUNPROOF_STEP_INTERRUPTED,
  GEN_AI_OPERATION_VALUE_CHAT,
  GEN_AI_OPERATION_VALUE_EXECUTE_TOOL,
  GEN_AI_OPERATION_VALUE_RETRIEVAL,
  GEN_AI_OPERATION_VALUE_TEXT_COMPLETION,
} from '@runproof/core/semconv';
import { endAbandonedStream, isAbandonedStreamClosing } from './abandoned-streams.ts';
import { markFailure } from './cancellations.ts';
import { describeAgentModel, describeChainRun, recognizeNestedAgent } from './chain-runs.ts';
import { enterScope, pendingScope, RunScope, takenScope, type ScopeKind } from './deferred-span.ts';
import {
  graphSignal,
  InterruptedThreads,
  readThreadId,
  type InterruptedThread,
  type ResumePoint,
} from './langgraph.ts';
import { asRecord, readModelRequest } from './model-attributes.ts';
import { endModelRun, failModelRun } from './model-end.ts';
import { newRunRecord, now, OpenRuns, type RunRecord } from './open-runs.ts';
import { ParserFailures } from './parser-failures.ts';
import { recordReplayedNodes } from './thread-checkpoints.ts';
import { recordRejectedToolCall } from './tool-input-issues.ts';
import { endToolRun, failToolRun, settleFailedTools, toolAttributes } from './tool-runs.ts';
import { inputTextOf } from './usage-text.ts';
import { VERSION } from './version.ts';

/** Options of {@link RunproofCallbackHandler}. */
export interface RunproofCallbackHandlerOptions {
  /** Where spans go. Default: the global tracer provider. */
  tracerProvider?: TracerProvider;
}

/** The name LangChain sees; one Runproof handler per callback manager. */
export const HANDLER_NAME = 'runproof';

/**
 * A LangChain callback handler that records LangChain and LangGraph runs as OpenTelemetry spans:
 * chains and LangGraph nodes, `invoke_agent` for `createAgent` agents, `chat {model}` for chat
 * models (GenAI attributes and token usage, streaming included), `execute_tool {name}` and
 * `retrieval {name}`. Parents come from LangChain's run tree, so concurrent requests never mix.
 * It runs inline (`awaitHandlers`), never in LangChain's background queue: every span has ended
 * when `invoke()` returns. Pass it by hand, or let `createInstrumentation()` add it everywhere
 * (which also makes model and tool spans the active context while they run).
 *
 * @example
 * const agent = createAgent({ model, tools });
 * await agent.invoke({ messages }, { callbacks: [new RunproofCallbackHandler()] });
 */
export class RunproofCallbackHandler {
  readonly name = HANDLER_NAME;
  /** Run inline: span parents and ends must not wait for LangChain's background queue. */
  readonly awaitHandlers = true;
  /** Only a boundary `halt` ever leaves this handler; everything else is caught and logged once. */
  readonly raiseError = true;
  readonly ignoreLLM = false;
  readonly ignoreChain = false;
  readonly ignoreAgent = false;
  readonly ignoreRetriever = false;
  readonly ignoreCustomEvent = true;
  readonly lc_serializable = false;
  readonly #runs = new OpenRuns();
  readonly #threads = new InterruptedThreads();
  readonly #parserFailures = new ParserFailures();
  /** Errors tools threw: their messages are content wherever they go. */
  readonly #toolErrors = new WeakSet<object>();
  readonly #tracerProvider: TracerProvider | undefined;
  #tracer: Tracer | undefined;

  constructor(options: RunproofCallbackHandlerOptions = {}) {
    this.#tracerProvider = options.tracerProvider;
  }

  /** LangChain copies handlers when it builds child managers; this one's state is shared on purpose. */
  copy(): this {
    return this;
  }

  /** @internal The context a later prompt of a `generate()` with several runs its request in, if `runId` is one. */
  contextForPrompt(runId: string | undefined): Context | undefined {
    return this.#runs.get(runId)?.promptContext;
  }

  /** @internal The context a patched `_callWithConfig` runs a chain's body in. */
  contextForRun(runId: string | undefined): Context | undefined {
    return this.#runs.get(runId)?.context;
  }

  /** @internal The root invocation of a LangGraph thread running now, for the checkpoint it writes. */
  runningThread(threadId: string): InterruptedThread | undefined {
    return this.#threads.running(threadId);
  }

  /** @internal Where the checkpoint left the thread that `command`, about to run, resumes. */
  expectResume(command: object, threadId: string, point: ResumePoint): void {
    this.#threads.expectResume(command, threadId, point);
  }

  handleChainStart(
    chain: Serialized,
    inputs: unknown,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    _runType?: string,
    runName?: string,
    extra?: Record<string, unknown>,
  ): void {
    safely('recording a LangChain chain start', undefined, () => {
      const parent = this.#runs.get(parentRunId);
      const name = runName ?? chain?.id?.at(-1) ?? 'chain';
      if (parent?.graph !== undefined) recognizeNestedAgent(parent, metadata);
      const { spanName, attributes, agentName, startsAgent, task } = describeChainRun(name, metadata, parent);
      const threadId = readThreadId(metadata);
      let parentContext = parent?.context ?? context.active();
      const links: Link[] = [];
      const resumed =
        parent === undefined && threadId !== undefined ? this.#threads.resumeOf(threadId, inputs) : undefined;
      if (parent === undefined && threadId !== undefined) {
        attributes[ATTR_GEN_AI_CONVERSATION_ID] = threadId;
        parentContext = this.#threads.continueThread(resumed, parentContext, attributes, links);
      } else if (startsAgent && threadId !== undefined) {
        attributes[ATTR_GEN_AI_CONVERSATION_ID] = threadId;
      }
      // A transform (lambda, parser) starts its run only after pulling its first input, so runs
      // made while pulling it must not take its scope: it waits for a run with deferred inputs.
      const scopeKind = asRecord(extra).lc_defers_inputs === true ? 'transform' : 'chain';
      const record = this.#start(
        runId,
        parent,
        spanName,
        SpanKind.INTERNAL,
        attributes,
        parentContext,
        scopeKind,
        links,
      );
      record.agentName = agentName;
      if (startsAgent) record.agentModel = 'pending';
      if (chain?.id?.at(-1) === 'CompiledStateGraph') record.graph = { name, agent: startsAgent };
      record.checkpointNamespace = task?.checkpointNamespace ?? parent?.checkpointNamespace;
      record.threadId = parent === undefined ? threadId : undefined;
      record.threadRunId =
        typeof attributes[ATTR_RUNPROOF_RUN_ID] === 'string' ? attributes[ATTR_RUNPROOF_RUN_ID] : undefined;
      this.#threads.started(record);
      if (resumed !== undefined) recordReplayedNodes(this.#tracerFor(), record.context, resumed.replayedNodes);
    });
  }

  handleChainEnd(_outputs: unknown, runId: string): void {
    safely('recording a LangChain chain end', undefined, () => this.#endChain(runId, undefined));
  }

  handleChainError(error: unknown, runId: string): void {
    safely('recording a LangChain chain error', undefined, () => this.#endChain(runId, error));
  }

  handleChatModelStart(
    _model: Serialized,
    messages: unknown,
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
  ): void {
    const record = safely('recording a LangChain chat model start', undefined, () =>
      this.#startModel(GEN_AI_OPERATION_VALUE_CHAT, runId, parentRunId, extraParams, metadata),
    );
    this.#guardModel(runId, record, () => inputTextOf(messages, extraParams));
  }

  handleLLMStart(
    _model: Serialized,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
  ): void {
    const record = safely('recording a LangChain LLM start', undefined, () =>
      this.#startModel(GEN_AI_OPERATION_VALUE_TEXT_COMPLETION, runId, parentRunId, extraParams, metadata),
    );
    this.#guardModel(runId, record, () => inputTextOf(prompts, extraParams));
  }

  handleLLMNewToken(_token: string, _index: unknown, runId: string): void {
    const record = this.#runs.get(runId);
    if (record === undefined) return;
    record.chunks += 1;
    if (record.streamed) return;
    record.streamed = true;
    record.firstChunkTime = now();
    record.span.setAttributes({
      [ATTR_GEN_AI_REQUEST_STREAM]: true,
      [ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]: (record.firstChunkTime - record.startTime) / 1000,
    });
  }

  handleLLMEnd(output: unknown, runId: string): void {
    safely('recording a LangChain model end', undefined, () => {
      const record = this.#runs.take(runId);
      if (record !== undefined) endModelRun(record, output);
    });
  }

  handleLLMError(error: unknown, runId: string): void {
    safely('recording a LangChain model error', undefined, () => {
      const record = this.#runs.take(runId);
      if (record !== undefined) failModelRun(record, error);
    });
  }

  handleToolStart(
    tool: Serialized,
    input: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    _metadata?: Record<string, unknown>,
    runName?: string,
    toolCallId?: string,
  ): void {
    const started = safely('recording a LangChain tool start', undefined, () => {
      const parent = this.#runs.get(parentRunId);
      const name = runName ?? (asRecord(tool).name as string | undefined) ?? tool?.id?.at(-1) ?? 'tool';
      const record = this.#start(
        runId,
        parent,
        `${GEN_AI_OPERATION_VALUE_EXECUTE_TOOL} ${name}`,
        SpanKind.INTERNAL,
        toolAttributes(name, toolCallId),
        parent?.context ?? context.active(),
        'tool',
      );
      captureContent(record.span, ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, input);
      reportObserved({ toolsCalled: [name] }, record.context);
      return { record, name };
    });
    if (started === undefined) return;
    try {
      // The run's boundary decides before the tool's function runs. A `halt` throws out of this
      // callback (`raiseError`), so LangChain never calls the tool.
      guardToolCall({ tool: started.name }, started.record.span, started.record.context);
    } catch (error) {
      this.#runs.take(runId)?.span.end();
      throw error;
    }
  }

  handleToolEnd(output: unknown, runId: string): void {
    safely('recording a LangChain tool end', undefined, () => {
      const record = this.#runs.take(runId);
      if (record !== undefined) endToolRun(record, output);
    });
  }

  handleToolError(error: unknown, runId: string): void {
    safely('recording a LangChain tool error', undefined, () => {
      const record = this.#runs.take(runId);
      if (record !== undefined) failToolRun(record, error, this.#toolErrors);
    });
  }

  handleRetrieverStart(
    retriever: Serialized,
    _query: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    _metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    safely('recording a LangChain retriever start', undefined, () => {
      const parent = this.#runs.get(parentRunId);
      const name = runName ?? retriever?.id?.at(-1) ?? 'retriever';
      this.#start(
        runId,
        parent,
        `${GEN_AI_OPERATION_VALUE_RETRIEVAL} ${name}`,
        SpanKind.INTERNAL,
        { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_VALUE_RETRIEVAL },
        parent?.context ?? context.active(),
        'retriever',
      );
    });
  }

  handleRetrieverEnd(_documents: unknown, runId: string): void {
    safely('recording a LangChain retriever end', undefined, () => this.#runs.take(runId)?.span.end());
  }

  handleRetrieverError(error: unknown, runId: string): void {
    safely('recording a LangChain retriever error', undefined, () => {
      const record = this.#runs.take(runId);
      if (record === undefined) return;
      if (!isAbandonedStreamClosing(record, error)) markFailure(record.span, error);
      record.span.end();
    });
  }

  /**
   * @internal Records a tool call LangChain rejected before any callback fired because its
   * arguments failed the tool's schema: an `execute_tool` span with validation outcome `fail`.
   */
  recordToolInputFailure(
    name: string,
    toolCallId: string | undefined,
    schema: unknown,
    input: unknown,
    parentRunId: string | undefined,
    error: unknown,
  ): Promise<void> {
    return recordRejectedToolCall(() => this.#tracerFor(), this.#runs.get(parentRunId), {
      name,
      toolCallId,
      schema,
      input,
      error,
    });
  }

  #tracerFor(): Tracer {
    return (this.#tracer ??= (this.#tracerProvider ?? trace.getTracerProvider()).getTracer(
      '@runproof/langchain-adapter',
      VERSION,
      SCOPE_OPTIONS,
    ));
  }

  #start(
    runId: string,
    parent: RunRecord | undefined,
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    parentContext: Context,
    scopeKind?: ScopeKind,
    links?: Link[],
  ): RunRecord {
    const pending = scopeKind === undefined ? undefined : pendingScope(scopeKind);
    // A `generate()` with several prompts starts a model run per prompt inside one call, whose scope
    // the first took: each later one gets a scope of its own, beside the first, not below it.
    const sibling = pending === undefined && scopeKind === 'model' ? takenScope('model') : undefined;
    const own = sibling === undefined ? undefined : new RunScope('model', sibling.outer);
    if (sibling !== undefined && parent === undefined)
      parentContext =
        sibling.outer === undefined ? trace.deleteSpan(parentContext) : trace.setSpan(parentContext, sibling.outer);
    const scope = pending ?? own;
    const span = this.#tracerFor().startSpan(name, { kind, attributes, links }, parentContext);
    if (scope !== undefined) {
      scope.span = span;
      scope.runId = runId;
    }
    const record = newRunRecord(span, scopeKind, trace.setSpan(parentContext, span), parent, scope);
    if (own !== undefined) record.promptContext = enterScope(parentContext, own);
    this.#runs.add(runId, record);
    return record;
  }

  /**
   * Ends the run of a stream its caller abandoned (LangChain sends no end callback then), and every
   * run still open below it: a model's or a chain's span ends with what was seen and the boundary's
   * hold on the call is released.
   * @internal Called by the stream wrapper.
   */
  endAbandoned(scope: RunScope): void {
    safely('ending an abandoned LangChain stream', undefined, () => endAbandonedStream(this.#runs, scope));
  }

  /**
   * The run's boundary decides before the model is called, whatever its provider. A `halt` throws
   * out of the start callback (`raiseError`), so LangChain never sends the request. The provider
   * adapter that later enriches this span leaves guarding to it.
   */
  #guardModel(runId: string, record: RunRecord | undefined, inputText: () => string): void {
    if (record?.model === undefined) return;
    try {
      record.ticket = guardModelCall(
        { model: record.model.model ?? '', maxOutputTokens: record.model.maxOutputTokens, inputText },
        record.span,
        record.context,
      );
    } catch (error) {
      this.#runs.take(runId)?.span.end();
      throw error;
    }
  }

  #startModel(
    operation: string,
    runId: string,
    parentRunId: string | undefined,
    extraParams: unknown,
    metadata: unknown,
  ): RunRecord {
    const parent = this.#runs.get(parentRunId);
    const model = readModelRequest(operation, extraParams, metadata);
    const attributes = { ...model.attributes };
    const threadId = readThreadId(metadata);
    if (threadId !== undefined) attributes[ATTR_GEN_AI_CONVERSATION_ID] = threadId;
    const name = model.model === undefined ? operation : `${operation} ${model.model}`;
    const record = this.#start(
      runId,
      parent,
      name,
      SpanKind.CLIENT,
      attributes,
      parent?.context ?? context.active(),
      'model',
    );
    record.model = model;
    describeAgentModel(parent, model);
    return record;
  }

  #endChain(runId: string, error: unknown): void {
    const record = this.#runs.take(runId);
    if (record === undefined) return;
    // The caller abandoned a stream this run is part of; the cancellation that follows (LangGraph's
    // `Abort`) is the stream closing, not a failure: the span ends as an abandoned stream's does.
    // Any other error is still one.
    if (isAbandonedStreamClosing(record, error)) error = undefined;
    // LangGraph's signals (an interrupt, a handover to the parent graph) pass through runs that did not fail.
    const signal = error === undefined ? undefined : graphSignal(error);
    if (signal === 'interrupt') {
      for (let ancestor: RunRecord | undefined = record; ancestor !== undefined; ancestor = ancestor.parent)
        ancestor.interrupted = true;
    } else if (error !== undefined && signal === undefined) {
      markFailure(record.span, error, {
        quotesContent: typeof error === 'object' && error !== null && this.#toolErrors.has(error),
      });
      this.#parserFailures.record(record.span, error);
    }
    if (record.interrupted) record.span.setAttribute(ATTR_RUNPROOF_STEP_INTERRUPTED, true);
    settleFailedTools(record, error === undefined || signal !== undefined);
    this.#threads.rememberIfInterrupted(record);
    record.span.end();
  }
}
