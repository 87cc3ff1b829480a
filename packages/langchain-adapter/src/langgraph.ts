import { propagation, type Attributes, type Context, type Link, type SpanContext } from '@opentelemetry/api';
import { createRunId } from '@runproof/core';
import { activeRunId } from '@runproof/core/adapter';
import {
  ATTR_RUNPROOF_RUN_CONTINUATION,
  ATTR_RUNPROOF_RUN_ID,
  BAGGAGE_RUNPROOF_RUN_ID,
  RUN_CONTINUATION_VALUE_NEW,
  RUN_CONTINUATION_VALUE_RESUME,
  ATTR_RUNPROOF_LANGGRAPH_CHECKPOINT_NS,
  ATTR_RUNPROOF_LANGGRAPH_NODE,
  ATTR_RUNPROOF_LANGGRAPH_PATH,
  ATTR_RUNPROOF_LANGGRAPH_STEP,
  ATTR_RUNPROOF_LANGGRAPH_TRIGGERS,
} from '@runproof/core/semconv';
import { asRecord } from './model-attributes.ts';
import type { RunRecord } from './open-runs.ts';

/** The LangGraph task a run belongs to, from the `langgraph_*` metadata LangGraph gives each task. */
export interface GraphTask {
  node: string;
  checkpointNamespace: string;
  attributes: Attributes;
}

/** Reads the LangGraph task metadata; `undefined` outside a LangGraph node. */
export function readGraphTask(metadata: unknown): GraphTask | undefined {
  const values = asRecord(metadata);
  const node = values.langgraph_node;
  if (typeof node !== 'string') return undefined;
  const checkpointNamespace = typeof values.langgraph_checkpoint_ns === 'string' ? values.langgraph_checkpoint_ns : '';
  const attributes: Attributes = { [ATTR_RUNPROOF_LANGGRAPH_NODE]: node };
  if (typeof values.langgraph_step === 'number') attributes[ATTR_RUNPROOF_LANGGRAPH_STEP] = values.langgraph_step;
  if (Array.isArray(values.langgraph_triggers)) attributes[ATTR_RUNPROOF_LANGGRAPH_TRIGGERS] = values.langgraph_triggers.map(String);
  if (Array.isArray(values.langgraph_path)) attributes[ATTR_RUNPROOF_LANGGRAPH_PATH] = values.langgraph_path.map(String);
  if (checkpointNamespace !== '') attributes[ATTR_RUNPROOF_LANGGRAPH_CHECKPOINT_NS] = checkpointNamespace;
  return { node, checkpointNamespace, attributes };
}

/** The LangGraph thread (`configurable.thread_id`, which LangGraph copies into metadata). */
export function readThreadId(metadata: unknown): string | undefined {
  const threadId = asRecord(metadata).thread_id;
  return typeof threadId === 'string' && threadId !== '' ? threadId : typeof threadId === 'number' ? String(threadId) : undefined;
}

/**
 * LangGraph's control-flow signals, thrown through the runs they leave (its `GraphBubbleUp`s): none
 * is a failure. `interrupt` when the graph paused to be resumed (`interrupt()`, a drain request),
 * `control` for the others (a subgraph handing over to its parent with `Command.PARENT`). Checked
 * by name and LangGraph's own marker, so no LangGraph import is needed.
 */
export function graphSignal(error: unknown): 'interrupt' | 'control' | undefined {
  const record = asRecord(error);
  if (record.name === 'GraphInterrupt' || record.name === 'NodeInterrupt' || record.name === 'GraphDrained') return 'interrupt';
  return record.name === 'ParentCommand' || record.is_bubble_up === true ? 'control' : undefined;
}

/** Whether a graph's input is a `Command` that resumes an interrupted thread. */
export function isResumeCommand(input: unknown): boolean {
  const command = asRecord(input);
  return command.lg_name === 'Command' && command.resume !== undefined;
}

/** What the adapter remembers about a thread whose last invocation paused at an interrupt. */
export interface InterruptedThread {
  runId: string | undefined;
  spanContext: SpanContext;
}

/**
 * Thread id → the interrupted invocation, so the invocation that resumes it continues the same run
 * id and links to it. In memory and bounded: a resume in another process continues the run only
 * when the app passes the id itself (`run({ id, continuation: 'resume' })`).
 */
export class InterruptedThreads {
  readonly #threads = new Map<string, InterruptedThread>();

  readonly capacity: number;

  constructor(capacity = 10_000) {
    this.capacity = capacity;
  }

  get(threadId: string): InterruptedThread | undefined {
    return this.#threads.get(threadId);
  }

  set(threadId: string, thread: InterruptedThread): void {
    this.#threads.delete(threadId);
    this.#threads.set(threadId, thread);
    if (this.#threads.size > this.capacity) this.#threads.delete(this.#threads.keys().next().value!);
  }

  delete(threadId: string): void {
    this.#threads.delete(threadId);
  }

  /**
   * A thread's root invocation (`record`) ended: remembered when it paused at an interrupt, so the
   * invocation that resumes it continues the same run; forgotten otherwise. Other runs pass.
   */
  rememberIfInterrupted(record: RunRecord): void {
    if (record.threadId === undefined) return;
    if (record.interrupted) this.set(record.threadId, { runId: record.threadRunId ?? activeRunId(record.context), spanContext: record.span.spanContext() });
    else this.delete(record.threadId);
  }

  /**
   * Identity for a thread's root invocation outside any `run()`: a new run id, or, when `inputs`
   * resume a thread this process saw pause at an interrupt, the interrupted run's id and a link to
   * its span (added to `attributes` and `links`). Returns the context the invocation runs in: the
   * run id in W3C baggage, so every span below (the OpenAI adapter's, HTTP) carries it.
   */
  continueThread(threadId: string, inputs: unknown, parentContext: Context, attributes: Attributes, links: Link[]): Context {
    const interrupted = isResumeCommand(inputs) ? this.#threads.get(threadId) : undefined;
    if (interrupted !== undefined) links.push({ context: interrupted.spanContext, attributes: { [ATTR_RUNPROOF_RUN_CONTINUATION]: RUN_CONTINUATION_VALUE_RESUME } });
    if (activeRunId(parentContext) !== undefined) return parentContext;
    const resumedRunId = interrupted?.runId;
    const runId = resumedRunId ?? createRunId();
    attributes[ATTR_RUNPROOF_RUN_ID] = runId;
    attributes[ATTR_RUNPROOF_RUN_CONTINUATION] = resumedRunId !== undefined ? RUN_CONTINUATION_VALUE_RESUME : RUN_CONTINUATION_VALUE_NEW;
    const baggage = (propagation.getBaggage(parentContext) ?? propagation.createBaggage()).setEntry(BAGGAGE_RUNPROOF_RUN_ID, { value: runId });
    return propagation.setBaggage(parentContext, baggage);
  }
}
