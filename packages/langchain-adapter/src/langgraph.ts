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
  if (Array.isArray(values.langgraph_triggers))
    attributes[ATTR_RUNPROOF_LANGGRAPH_TRIGGERS] = values.langgraph_triggers.map(String);
  if (Array.isArray(values.langgraph_path))
    attributes[ATTR_RUNPROOF_LANGGRAPH_PATH] = values.langgraph_path.map(String);
  if (checkpointNamespace !== '') attributes[ATTR_RUNPROOF_LANGGRAPH_CHECKPOINT_NS] = checkpointNamespace;
  return { node, checkpointNamespace, attributes };
}

/** The LangGraph thread (`configurable.thread_id`, which LangGraph copies into metadata). */
export function readThreadId(metadata: unknown): string | undefined {
  const threadId = asRecord(metadata).thread_id;
  return typeof threadId === 'string' && threadId !== ''
    ? threadId
    : typeof threadId === 'number'
      ? String(threadId)
      : undefined;
}

/**
 * LangGraph's control-flow signals, thrown through the runs they leave (its `GraphBubbleUp`s): none
 * is a failure. `interrupt` when the graph paused to be resumed (`interrupt()`, a drain request),
 * `control` for the others (a subgraph handing over to its parent with `Command.PARENT`). Checked
 * by name and LangGraph's own marker, so no LangGraph import is needed.
 */
export function graphSignal(error: unknown): 'interrupt' | 'control' | undefined {
  const record = asRecord(error);
  if (record.name === 'GraphInterrupt' || record.name === 'NodeInterrupt' || record.name === 'GraphDrained')
    return 'interrupt';
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

/** A node LangGraph will not run again on a resume: it finished before the interrupt, and its writes were kept. */
export interface ReplayedNode {
  name: string;
  path: string[];
  /** The superstep it ran in. */
  step: number | undefined;
}

/** Where a thread's last checkpoint left it, read from the checkpointer before a resume starts. */
export interface ResumePoint {
  /** The invocation that wrote the checkpoint, from Runproof's entry in its metadata. */
  thread: InterruptedThread;
  replayedNodes: ReplayedNode[];
}

/**
 * Thread id → the interrupted invocation, so the invocation that resumes it continues the same run
 * id and links to it. Two sources: the thread's last checkpoint, when the graph's checkpointer
 * saved Runproof's entry with it (read before the resume starts, so any process can resume), and,
 * when it did not, this process's memory of the threads it saw pause (bounded).
 */
export class InterruptedThreads {
  readonly #threads = new Map<string, InterruptedThread>();
  /** Root invocations running now, by thread: what the checkpoints they write carry. */
  readonly #running = new Map<string, RunRecord>();
  /** Resume points read for a `Command` input, by the command and then its thread, until its invocation starts. */
  readonly #resumePoints = new WeakMap<object, Map<string, ResumePoint>>();

  readonly capacity: number;

  constructor(capacity = 10_000) {
    this.capacity = capacity;
  }

  /** A thread's root invocation (`record`) started: the checkpoints it writes name it. Other runs pass. */
  started(record: RunRecord): void {
    if (record.threadId !== undefined) remember(this.#running, record.threadId, record, this.capacity);
  }

  /** The invocation of `threadId` running now, for the checkpoint it is writing. */
  running(threadId: string): InterruptedThread | undefined {
    const record = this.#running.get(threadId);
    if (record === undefined || !record.open) return undefined;
    return { runId: record.threadRunId ?? activeRunId(record.context), spanContext: record.span.spanContext() };
  }

  /** What was read from the checkpointer for the invocation of `threadId` that `command` starts. */
  expectResume(command: object, threadId: string, point: ResumePoint): void {
    let points = this.#resumePoints.get(command);
    if (points === undefined) this.#resumePoints.set(command, (points = new Map<string, ResumePoint>()));
    points.set(threadId, point);
  }

  /**
   * The resume point of the invocation of `threadId` with `inputs`, when they resume it: the one read
   * from the checkpoint (taken: it serves one invocation), else the one this process remembers. The
   * same invocation seen from both sides is kept as this process saw it (a local span context).
   */
  resumeOf(threadId: string, inputs: unknown): ResumePoint | undefined {
    if (!isResumeCommand(inputs)) return undefined;
    const points = this.#resumePoints.get(inputs as object);
    const read = points?.get(threadId);
    points?.delete(threadId);
    const remembered = this.#threads.get(threadId);
    if (read === undefined) return remembered === undefined ? undefined : { thread: remembered, replayedNodes: [] };
    const same =
      remembered !== undefined &&
      remembered.spanContext.spanId === read.thread.spanContext.spanId &&
      remembered.spanContext.traceId === read.thread.spanContext.traceId;
    return same ? { ...read, thread: remembered } : read;
  }

  /**
   * A thread's root invocation (`record`) ended: remembered when it paused at an interrupt, so the
   * invocation that resumes it continues the same run; forgotten otherwise. Other runs pass.
   */
  rememberIfInterrupted(record: RunRecord): void {
    if (record.threadId === undefined) return;
    if (this.#running.get(record.threadId) === record) this.#running.delete(record.threadId);
    if (record.interrupted)
      remember(
        this.#threads,
        record.threadId,
        { runId: record.threadRunId ?? activeRunId(record.context), spanContext: record.span.spanContext() },
        this.capacity,
      );
    else this.#threads.delete(record.threadId);
  }

  /**
   * Identity for a thread's root invocation outside any `run()`: a new run id, or, when it resumes
   * an interrupted invocation (`resumed`, from {@link resumeOf}), that invocation's run id and a
   * link to its span (added to `attributes` and `links`). Returns the context the invocation runs
   * in: the run id in W3C baggage, so every span below (the OpenAI adapter's, HTTP) carries it.
   */
  continueThread(
    resumed: ResumePoint | undefined,
    parentContext: Context,
    attributes: Attributes,
    links: Link[],
  ): Context {
    const interrupted = resumed?.thread;
    if (interrupted !== undefined)
      links.push({
        context: interrupted.spanContext,
        attributes: { [ATTR_RUNPROOF_RUN_CONTINUATION]: RUN_CONTINUATION_VALUE_RESUME },
      });
    if (activeRunId(parentContext) !== undefined) return parentContext;
    const resumedRunId = interrupted?.runId;
    const runId = resumedRunId ?? createRunId();
    attributes[ATTR_RUNPROOF_RUN_ID] = runId;
    attributes[ATTR_RUNPROOF_RUN_CONTINUATION] =
      resumedRunId !== undefined ? RUN_CONTINUATION_VALUE_RESUME : RUN_CONTINUATION_VALUE_NEW;
    const baggage = (propagation.getBaggage(parentContext) ?? propagation.createBaggage()).setEntry(
      BAGGAGE_RUNPROOF_RUN_ID,
      { value: runId },
    );
    return propagation.setBaggage(parentContext, baggage);
  }
}

/** Sets `key` last in `map`, dropping the oldest entry past `capacity`. */
function remember<T>(map: Map<string, T>, key: string, value: T, capacity: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > capacity) map.delete(map.keys().next().value!);
}
