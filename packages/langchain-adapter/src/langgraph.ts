import type { Attributes, SpanContext } from '@opentelemetry/api';
import {
  ATTR_RUNPROOF_LANGGRAPH_CHECKPOINT_NS,
  ATTR_RUNPROOF_LANGGRAPH_NODE,
  ATTR_RUNPROOF_LANGGRAPH_PATH,
  ATTR_RUNPROOF_LANGGRAPH_STEP,
  ATTR_RUNPROOF_LANGGRAPH_TRIGGERS,
} from '@runproof/core/semconv';
import { asRecord } from './model-attributes.ts';

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
 * Whether `error` is LangGraph's control-flow signal that a node paused at `interrupt()`; such a
 * node did not fail. Checked by name so no LangGraph import is needed.
 */
export function isGraphInterrupt(error: unknown): boolean {
  const name = asRecord(error).name;
  return name === 'GraphInterrupt' || name === 'NodeInterrupt';
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
}
