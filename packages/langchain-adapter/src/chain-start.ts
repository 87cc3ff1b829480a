/**
 * A chain run starts: what its span is (an agent, a LangGraph step, a plain chain), and, for the
 * root run of a LangGraph thread, which thread it belongs to and whether it resumes an interrupted one.
 */
import { context, SpanKind, type Link } from '@opentelemetry/api';
import type { Serialized } from '@langchain/core/load/serializable';
import { ATTR_GEN_AI_CONVERSATION_ID, ATTR_RUNPROOF_RUN_ID } from '@runproof/core/semconv';
import { describeChainRun, recognizeNestedAgent } from './chain-runs.ts';
import { readThreadId, type InterruptedThreads } from './langgraph.ts';
import { asRecord } from './model-attributes.ts';
import type { RunStarter } from './run-start.ts';
import { recordReplayedNodes } from './thread-checkpoints.ts';

/** What `handleChainStart` was told about a chain run. */
export interface ChainStart {
  chain: Serialized;
  inputs: unknown;
  runId: string;
  parentRunId: string | undefined;
  metadata: Record<string, unknown> | undefined;
  runName: string | undefined;
  extra: Record<string, unknown> | undefined;
}

/** Starts a chain run's span; a LangGraph thread's root run continues the thread it resumes, if any. */
export function startChainRun(starter: RunStarter, threads: InterruptedThreads, run: ChainStart): void {
  const { chain, inputs, runId, parentRunId, metadata, runName, extra } = run;
  const parent = starter.runs.get(parentRunId);
  const name = runName ?? chain?.id?.at(-1) ?? 'chain';
  if (parent?.graph !== undefined) recognizeNestedAgent(parent, metadata);
  const { spanName, attributes, agentName, startsAgent, task } = describeChainRun(name, metadata, parent);
  const threadId = readThreadId(metadata);
  let parentContext = parent?.context ?? context.active();
  const links: Link[] = [];
  const resumed = parent === undefined && threadId !== undefined ? threads.resumeOf(threadId, inputs) : undefined;
  if (parent === undefined && threadId !== undefined) {
    attributes[ATTR_GEN_AI_CONVERSATION_ID] = threadId;
    parentContext = threads.continueThread(resumed, parentContext, attributes, links);
  } else if (startsAgent && threadId !== undefined) {
    attributes[ATTR_GEN_AI_CONVERSATION_ID] = threadId;
  }
  // A transform (lambda, parser) starts its run only after pulling its first input, so runs
  // made while pulling it must not take its scope: it waits for a run with deferred inputs.
  const scopeKind = asRecord(extra).lc_defers_inputs === true ? 'transform' : 'chain';
  const record = starter.start(runId, {
    parent,
    name: spanName,
    kind: SpanKind.INTERNAL,
    attributes,
    parentContext,
    scopeKind,
    links,
  });
  record.agentName = agentName;
  if (startsAgent) record.agentModel = 'pending';
  if (chain?.id?.at(-1) === 'CompiledStateGraph') record.graph = { name, agent: startsAgent };
  record.checkpointNamespace = task?.checkpointNamespace ?? parent?.checkpointNamespace;
  record.threadId = parent === undefined ? threadId : undefined;
  record.threadRunId =
    typeof attributes[ATTR_RUNPROOF_RUN_ID] === 'string' ? attributes[ATTR_RUNPROOF_RUN_ID] : undefined;
  threads.started(record);
  if (resumed !== undefined) recordReplayedNodes(starter.tracer(), record.context, resumed.replayedNodes);
}
