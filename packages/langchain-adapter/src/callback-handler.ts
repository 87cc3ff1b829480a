import { trace, type Context, type Tracer, type TracerProvider } from '@opentelemetry/api';
import type { Serialized } from '@langchain/core/load/serializable';
import { safely, SCOPE_OPTIONS } from '@runproof/core/adapter';
import {
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  GEN_AI_OPERATION_VALUE_CHAT,
  GEN_AI_OPERATION_VALUE_TEXT_COMPLETION,
} from '@runproof/core/semconv';
import { endAbandonedStream } from './abandoned-streams.ts';
import { endChainRun } from './chain-end.ts';
import { startChainRun } from './chain-start.ts';
import type { RunScope } from './deferred-span.ts';
import { InterruptedThreads, type InterruptedThread, type ResumePoint } from './langgraph.ts';
import { endModelRun, failModelRun } from './model-end.ts';
import { guardModelRun, startModelRun } from './model-start.ts';
import { now, OpenRuns } from './open-runs.ts';
import { ParserFailures } from './parser-failures.ts';
import { failRetrieverRun, startRetrieverRun } from './retriever-runs.ts';
import { RunStarter } from './run-start.ts';
import { recordRejectedToolCall } from './tool-input-issues.ts';
import { endToolRun, failToolRun } from './tool-runs.ts';
import { guardToolRun, startToolRun } from './tool-start.ts';
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
  readonly #starter = new RunStarter(this.#runs, () => this.#tracerFor());

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
    safely('recording a LangChain chain start', undefined, () =>
      startChainRun(this.#starter, this.#threads, { chain, inputs, runId, parentRunId, metadata, runName, extra }),
    );
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
      startModelRun(this.#starter, GEN_AI_OPERATION_VALUE_CHAT, runId, parentRunId, extraParams, metadata, messages),
    );
    guardModelRun(this.#starter, runId, record, () => inputTextOf(messages, extraParams));
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
      startModelRun(
        this.#starter,
        GEN_AI_OPERATION_VALUE_TEXT_COMPLETION,
        runId,
        parentRunId,
        extraParams,
        metadata,
        prompts,
      ),
    );
    guardModelRun(this.#starter, runId, record, () => inputTextOf(prompts, extraParams));
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
    const started = safely('recording a LangChain tool start', undefined, () =>
      startToolRun(this.#starter, tool, input, runId, parentRunId, runName, toolCallId),
    );
    if (started !== undefined) guardToolRun(this.#starter, runId, started);
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
    safely('recording a LangChain retriever start', undefined, () =>
      startRetrieverRun(this.#starter, retriever, runId, parentRunId, runName),
    );
  }

  handleRetrieverEnd(_documents: unknown, runId: string): void {
    safely('recording a LangChain retriever end', undefined, () => this.#runs.take(runId)?.span.end());
  }

  handleRetrieverError(error: unknown, runId: string): void {
    safely('recording a LangChain retriever error', undefined, () => {
      const record = this.#runs.take(runId);
      if (record !== undefined) failRetrieverRun(record, error);
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

  /**
   * Ends the run of a stream its caller abandoned (LangChain sends no end callback then), and every
   * run still open below it: a model's or a chain's span ends with what was seen and the boundary's
   * hold on the call is released.
   * @internal Called by the stream wrapper.
   */
  endAbandoned(scope: RunScope): void {
    safely('ending an abandoned LangChain stream', undefined, () => endAbandonedStream(this.#runs, scope));
  }

  #endChain(runId: string, error: unknown): void {
    const record = this.#runs.take(runId);
    if (record === undefined) return;
    endChainRun(record, error, {
      toolErrors: this.#toolErrors,
      parserFailures: this.#parserFailures,
      threads: this.#threads,
    });
  }
}
