import { isSpanContextValid, SpanKind, type Attributes, type Context, type Tracer } from '@opentelemetry/api';
import { safely, warnOnce } from '@runproof/core/adapter';
import {
  ATTR_RUNPROOF_LANGGRAPH_NODE,
  ATTR_RUNPROOF_LANGGRAPH_PATH,
  ATTR_RUNPROOF_LANGGRAPH_STEP,
  ATTR_RUNPROOF_STEP_NAME,
  ATTR_RUNPROOF_STEP_REPLAYED,
  SPAN_NAME_PREFIX_STEP,
} from '@runproof/core/semconv';
import {
  isResumeCommand,
  readThreadId,
  type InterruptedThread,
  type ReplayedNode,
  type ResumePoint,
} from './langgraph.ts';
import { asRecord } from './model-attributes.ts';

/**
 * The key of Runproof's entry in the metadata of a LangGraph thread's checkpoints. LangGraph saves
 * the metadata it hands the checkpointer's `put()` (its own `source`, `step`, `parents`), whatever
 * the checkpointer, but not the run's config metadata: the entry goes there. It names the graph
 * invocation that wrote the checkpoint, in snake case like LangGraph's own keys:
 * `{ run_id, trace_id, span_id, trace_flags }`.
 */
const CHECKPOINT_ENTRY_KEY = 'runproof';

/** Marks a checkpointer whose `put` adds the entry; shared by every copy of the adapter. */
const ENTRY_ON_PUT = Symbol.for('runproof.langgraph.entry-on-put');

/** A compiled LangGraph graph with a checkpointer of its own. */
export interface CheckpointedGraph {
  checkpointer: { put: (this: unknown, ...args: unknown[]) => unknown };
  getState(config: unknown): Promise<unknown>;
}

/** `runnable` as a compiled LangGraph graph with a checkpointer object, if it is one. */
export function checkpointedGraph(runnable: unknown): CheckpointedGraph | undefined {
  const graph = asRecord(runnable);
  const checkpointer = asRecord(graph.checkpointer);
  return graph.lg_is_pregel === true && typeof checkpointer.put === 'function' && typeof graph.getState === 'function'
    ? (runnable as CheckpointedGraph)
    : undefined;
}

/**
 * The thread a graph call with `input` and `options` resumes: its id and `configurable`, when `input`
 * is a `Command({ resume })` on a thread (`configurable.thread_id`) and the call is not inside a
 * running graph (a subgraph's call carries LangGraph's `__pregel_*` keys).
 */
export function resumedThread(
  input: unknown,
  options: unknown,
): { threadId: string; configurable: Record<string, unknown> } | undefined {
  if (!isResumeCommand(input)) return undefined;
  const configurable = asRecord(asRecord(options).configurable);
  const threadId = readThreadId(configurable);
  if (threadId === undefined || Object.keys(configurable).some((key) => key.startsWith('__pregel_'))) return undefined;
  return { threadId, configurable };
}

/**
 * Makes `checkpointer.put` add Runproof's entry to each checkpoint of a thread's root graph written
 * while `running` knows the invocation. Once per checkpointer, on the instance (the user's class is
 * untouched). A checkpointer that fails to save a checkpoint with the entry but saves it without
 * gets no entry from then on, warned once; a failure without the entry is the app's own and is
 * thrown as before.
 */
export function addEntryOnPut(
  checkpointer: CheckpointedGraph['checkpointer'],
  running: (threadId: string) => InterruptedThread | undefined,
): void {
  if (Object.hasOwn(checkpointer, ENTRY_ON_PUT)) return;
  const original = checkpointer.put;
  let refused = false;
  const refuse = (): void => {
    refused = true;
    warnOnce(
      'langgraph-checkpoint-entry',
      "runproof: a LangGraph checkpointer did not save Runproof's entry in a checkpoint's metadata; threads it saves continue their run only in the process that saw them pause",
    );
  };
  const put = function putWithRunproofEntry(this: unknown, ...args: unknown[]): unknown {
    const [config, checkpoint, metadata, ...rest] = args;
    const entry = refused ? undefined : entryFor(config, running);
    if (entry === undefined) return original.apply(this, args);
    // Saved without the entry: the app's own failure, if any, is thrown as before.
    const withoutEntry = (): unknown => {
      const saved = original.apply(this, args);
      if (isThenable(saved))
        return saved.then((value) => {
          refuse();
          return value;
        });
      refuse();
      return saved;
    };
    let saved: unknown;
    try {
      saved = original.call(
        this,
        config,
        checkpoint,
        { ...asRecord(metadata), [CHECKPOINT_ENTRY_KEY]: entry },
        ...rest,
      );
    } catch {
      return withoutEntry();
    }
    return isThenable(saved) ? saved.then(undefined, withoutEntry) : saved;
  };
  // Marked first: a checkpointer whose `put` cannot be replaced is not tried again.
  Object.defineProperty(checkpointer, ENTRY_ON_PUT, { value: true });
  Object.defineProperty(checkpointer, 'put', { value: put, writable: true, configurable: true, enumerable: false });
}

/** The entry for a checkpoint `put` is about to save: only a root graph's (empty namespace) of a running invocation. */
function entryFor(
  config: unknown,
  running: (threadId: string) => InterruptedThread | undefined,
): Record<string, unknown> | undefined {
  return safely("building Runproof's entry for a LangGraph checkpoint", undefined, () => {
    const configurable = asRecord(asRecord(config).configurable);
    if ((configurable.checkpoint_ns ?? '') !== '') return undefined;
    const threadId = readThreadId(configurable);
    const thread = threadId === undefined ? undefined : running(threadId);
    if (thread?.runId === undefined) return undefined;
    const { traceId, spanId, traceFlags } = thread.spanContext;
    return { run_id: thread.runId, trace_id: traceId, span_id: spanId, trace_flags: traceFlags };
  });
}

/** The invocation a checkpoint's entry names; `undefined` for a missing or unreadable one. */
export function readCheckpointEntry(entry: unknown): InterruptedThread | undefined {
  const { run_id: runId, trace_id: traceId, span_id: spanId, trace_flags: traceFlags } = asRecord(entry);
  if (typeof runId !== 'string' || runId === '' || typeof traceId !== 'string' || typeof spanId !== 'string')
    return undefined;
  const spanContext = {
    traceId,
    spanId,
    traceFlags: Number.isInteger(traceFlags) ? (traceFlags as number) & 0xff : 0,
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? { runId, spanContext } : undefined;
}

/**
 * Reads where the thread's last checkpoint left it (the graph's `getState`, through its
 * checkpointer), before a `Command({ resume })` starts: the invocation Runproof's entry names, and
 * the nodes LangGraph will not run again — those of the paused step that finished (LangGraph keeps
 * their writes; `getState` lists them with a result). `undefined` without a readable entry; a failed
 * read is warned once, never thrown.
 */
export async function readResumePoint(
  graph: CheckpointedGraph,
  configurable: Record<string, unknown>,
): Promise<ResumePoint | undefined> {
  try {
    const snapshot = asRecord(await graph.getState({ configurable }));
    const metadata = asRecord(snapshot.metadata);
    const thread = readCheckpointEntry(metadata[CHECKPOINT_ENTRY_KEY]);
    if (thread === undefined) return undefined;
    // The checkpoint's step is the one before the tasks it holds (LangGraph numbers them from it).
    const step = typeof metadata.step === 'number' ? metadata.step + 1 : undefined;
    const tasks = Array.isArray(snapshot.tasks) ? snapshot.tasks.map(asRecord) : [];
    const replayedNodes = tasks
      .filter(
        (task) =>
          typeof task.name === 'string' &&
          task.result !== undefined &&
          task.error === undefined &&
          !(Array.isArray(task.interrupts) && task.interrupts.length > 0),
      )
      .map((task) => ({
        name: task.name as string,
        path: Array.isArray(task.path) ? task.path.map(String) : [],
        step,
      }));
    return { thread, replayedNodes };
  } catch (error) {
    warnOnce(
      'langgraph-checkpoint-read',
      `runproof: reading a LangGraph thread's last checkpoint before its resume failed (${String(error)}); the resume continues its run only in the process that saw it pause`,
    );
    return undefined;
  }
}

/**
 * Records the nodes a resumed invocation does not run again as step spans under it (`context`),
 * ended at once: `runproof.step.replayed=true`. No link: LangGraph keeps a node's writes, not where
 * it ran, and the checkpoint (with Runproof's entry) was saved before the node started.
 */
export function recordReplayedNodes(tracer: Tracer, context: Context, nodes: readonly ReplayedNode[]): void {
  for (const node of nodes) {
    const attributes: Attributes = {
      [ATTR_RUNPROOF_STEP_NAME]: node.name,
      [ATTR_RUNPROOF_STEP_REPLAYED]: true,
      [ATTR_RUNPROOF_LANGGRAPH_NODE]: node.name,
    };
    if (node.step !== undefined) attributes[ATTR_RUNPROOF_LANGGRAPH_STEP] = node.step;
    if (node.path.length > 0) attributes[ATTR_RUNPROOF_LANGGRAPH_PATH] = node.path;
    tracer.startSpan(`${SPAN_NAME_PREFIX_STEP} ${node.name}`, { kind: SpanKind.INTERNAL, attributes }, context).end();
  }
}

function isThenable(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
