import type { Context, Span } from '@opentelemetry/api';
import { closeCall, openCall, type BoundaryTicket, type OpenCall } from '@runproof/core/adapter';
import type { RunScope, ScopeKind } from './deferred-span.ts';
import type { ModelRequest } from './model-attributes.ts';
import { recordModelMessages } from './model-messages.ts';

/** What the handler keeps about a LangChain run from its start callback to its end. */
export interface RunRecord {
  span: Span;
  /** What kind of run: a chain, a model, a tool… (`undefined` for a run with no scope kind). */
  kind: ScopeKind | undefined;
  /** A LangGraph graph's own run: its name, and whether its span is an agent's (`invoke_agent`). */
  graph: { name: string; agent: boolean } | undefined;
  /** The context children of this run start in: this run's span, the run id baggage. */
  context: Context;
  parent: RunRecord | undefined;
  startTime: number;
  scope: RunScope | undefined;
  model: ModelRequest | undefined;
  /**
   * A model run's input (its LangChain messages, or an LLM's prompt), held only when content is
   * captured: recorded as the run ends, once it is known that no provider adapter recorded it.
   */
  input: unknown;
  streamed: boolean;
  /** Chunks a model run streamed: its output estimate, should it end without an answer (abandoned, failed). */
  chunks: number;
  /** When a streamed model run's first chunk came (`now()`). */
  firstChunkTime: number | undefined;
  agentName: string | undefined;
  /**
   * On an agent's run (`invoke_agent`): `pending` until its first model call names the provider and
   * model it uses (the conventions require the provider on the agent's span), then `known`.
   */
  agentModel: 'pending' | 'known' | undefined;
  checkpointNamespace: string | undefined;
  threadId: string | undefined;
  /** The run id this root invocation of a thread was given, when it is outside any `run()`. */
  threadRunId: string | undefined;
  interrupted: boolean;
  /** Tool spans under this run that failed; whether the failure was handled is known when this run ends. */
  failedTools: { span: Span; endTime: number }[];
  /** The boundary's hold on a model call, settled with its usage when it ends. */
  ticket: BoundaryTicket | undefined;
  /** Still in the table: its end has not been seen (or it was not ended for it). */
  open: boolean;
  /** A later prompt of a `generate()` with several: the context its request runs in (its own model span). */
  promptContext: Context | undefined;
}

/** A run's record as it starts: below `parent`, in `runContext` (its span active), filling `scope` if it has one. */
export function newRunRecord(
  span: Span,
  kind: ScopeKind | undefined,
  runContext: Context,
  parent: RunRecord | undefined,
  scope: RunScope | undefined,
): RunRecord {
  return {
    span,
    kind,
    graph: undefined,
    context: runContext,
    parent,
    startTime: now(),
    scope,
    model: undefined,
    input: undefined,
    streamed: false,
    chunks: 0,
    firstChunkTime: undefined,
    agentName: parent?.agentName,
    agentModel: undefined,
    checkpointNamespace: parent?.checkpointNamespace,
    threadId: undefined,
    threadRunId: undefined,
    interrupted: false,
    failedTools: [],
    ticket: undefined,
    open: true,
    promptContext: undefined,
  };
}

/**
 * The monotonic clock (`performance.now()`), for durations and span end times: the SDK converts
 * such a time with the same offset it started the span with, so a wall clock that moves (NTP, a
 * resumed VM) does not skew the span.
 */
export const now = (): number => performance.now();

/**
 * The runs LangChain started and has not ended, by run id. Bounded per handler: past `capacity`
 * the oldest is ended (its span, its boundary hold). While it holds any run, its shutdown entry is
 * on core's list of open calls, so at shutdown every run still open ends as it is.
 */
export class OpenRuns {
  readonly #runs = new Map<string, RunRecord>();
  readonly capacity: number;
  /**
   * The table's entry on core's list of open calls (the calls ended at shutdown), there while it
   * holds any run, so a handler made per request is not kept: the app is shutting down, and the
   * runs still open (a stream being read, a call in flight) end as they are.
   */
  readonly #shutdownEntry: OpenCall = {
    endAtShutdown: () => {
      for (const runId of [...this.#runs.keys()]) endUnfinishedRun(this.take(runId));
    },
  };

  constructor(capacity = 10_000) {
    this.capacity = capacity;
  }

  get(runId: string | undefined): RunRecord | undefined {
    return runId === undefined ? undefined : this.#runs.get(runId);
  }

  /** The open runs by run id, oldest first; a run taken while iterating is skipped from then on. */
  entries(): MapIterator<[string, RunRecord]> {
    return this.#runs.entries();
  }

  add(runId: string, record: RunRecord): void {
    // A run id given twice (the same `runId` in two configs): the first run's span still ends.
    if (this.#runs.has(runId)) endUnfinishedRun(this.take(runId));
    if (this.#runs.size >= this.capacity) {
      const oldest = this.#runs.keys().next();
      if (oldest.done !== true) endUnfinishedRun(this.take(oldest.value));
    }
    if (this.#runs.size === 0) openCall(this.#shutdownEntry);
    this.#runs.set(runId, record);
  }

  /** Removes the run and returns it; whoever takes it ends its span. */
  take(runId: string): RunRecord | undefined {
    const record = this.#runs.get(runId);
    if (record === undefined) return undefined;
    record.open = false;
    this.#runs.delete(runId);
    if (this.#runs.size === 0) closeCall(this.#shutdownEntry);
    return record;
  }
}

/**
 * Settles the boundary hold of a model run that ended without its answer: a stream that had begun
 * was answered in part (its chunks are counted, its input estimated); otherwise nothing is known to be used.
 */
export function settleUnanswered(record: RunRecord): void {
  record.ticket?.settle(record.chunks > 0 ? { outputChunks: record.chunks } : undefined);
}

/**
 * Ends a run nothing will end otherwise (shut down, pushed out of the table, its stream abandoned):
 * its span as it is with a model run's captured input, its boundary hold released, and the failed tool spans that were waiting for
 * it to know whether their error was handled.
 */
export function endUnfinishedRun(record: RunRecord | undefined): void {
  if (record === undefined) return;
  settleUnanswered(record);
  recordModelMessages(record, undefined);
  for (const failed of record.failedTools) failed.span.end(failed.endTime);
  record.span.end();
}
