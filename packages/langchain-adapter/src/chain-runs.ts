import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_RUNPROOF_STEP_NAME,
  GEN_AI_OPERATION_VALUE_INVOKE_AGENT,
  SPAN_NAME_PREFIX_STEP,
} from '@runproof/core/semconv';
import { readGraphTask, type GraphTask } from './langgraph.ts';
import { asRecord, type ModelRequest } from './model-attributes.ts';
import type { RunRecord } from './open-runs.ts';

/** What a chain run is, as a span: an agent invocation, a LangGraph step, or a plain chain. */
export interface ChainRun {
  spanName: string;
  attributes: Attributes;
  /** The agent the run belongs to (its own name when it starts one). */
  agentName: string | undefined;
  /** The run starts an agent (`invoke_agent`). */
  startsAgent: boolean;
  task: GraphTask | undefined;
}

/**
 * Names a chain run from LangChain's metadata. `createAgent` marks its runs, and children inherit
 * the marks: an agent starts where there is no agent yet, or where another, named agent starts
 * inside it (an agent called from a tool). A LangGraph node is a step where its checkpoint
 * namespace differs from its parent's (the graph's own runs inside a node are not).
 */
export function describeChainRun(name: string, metadata: unknown, parent: RunRecord | undefined): ChainRun {
  const values = asRecord(metadata);
  const task = readGraphTask(metadata);
  const namedAgent = typeof values.lc_agent_name === 'string' ? values.lc_agent_name : undefined;
  if (
    values.ls_integration === 'langchain_create_agent' &&
    (parent?.agentName === undefined || (namedAgent !== undefined && namedAgent !== parent.agentName))
  ) {
    const agentName = namedAgent ?? name;
    return {
      spanName: agentSpanName(agentName),
      attributes: agentAttributes(agentName),
      agentName,
      startsAgent: true,
      task,
    };
  }
  if (task !== undefined && task.checkpointNamespace !== parent?.checkpointNamespace) {
    return {
      spanName: `${SPAN_NAME_PREFIX_STEP} ${name}`,
      attributes: { [ATTR_RUNPROOF_STEP_NAME]: name, ...task.attributes },
      agentName: parent?.agentName,
      startsAgent: false,
      task,
    };
  }
  return { spanName: name, attributes: {}, agentName: parent?.agentName, startsAgent: false, task };
}

/**
 * An agent called from a tool carries its caller's marks when it is unnamed, or when the tool
 * passes its own config on (the caller's config wins when LangChain merges them): its graph's run
 * then looks like any graph a tool runs. Its first model step gives it away (`createAgent`'s model
 * node is `model_request`): that graph's run, directly under a tool, becomes the agent's
 * `invoke_agent` span, named after the graph.
 */
export function recognizeNestedAgent(graph: RunRecord, metadata: unknown): void {
  const values = asRecord(metadata);
  if (graph.graph === undefined || graph.graph.agent || graph.parent?.kind !== 'tool') return;
  if (values.ls_integration !== 'langchain_create_agent' || values.langgraph_node !== 'model_request') return;
  graph.graph.agent = true;
  graph.agentName = graph.graph.name;
  graph.agentModel = 'pending';
  graph.span.updateName(agentSpanName(graph.graph.name));
  graph.span.setAttributes(agentAttributes(graph.graph.name));
}

/**
 * A model run started below `parent`: the nearest agent above it, if its provider is not known yet,
 * gets the model's `ATTR_GEN_AI_PROVIDER_NAME` (which the conventions require on an `invoke_agent`
 * span) and `ATTR_GEN_AI_REQUEST_MODEL`: LangChain names them only on the model's run.
 */
export function describeAgentModel(parent: RunRecord | undefined, model: ModelRequest): void {
  let agent = parent;
  while (agent !== undefined && agent.agentModel === undefined) agent = agent.parent;
  if (agent?.agentModel !== 'pending') return;
  agent.agentModel = 'known';
  const attributes: Attributes = { [ATTR_GEN_AI_PROVIDER_NAME]: model.provider };
  if (model.model !== undefined) attributes[ATTR_GEN_AI_REQUEST_MODEL] = model.model;
  agent.span.setAttributes(attributes);
}

function agentSpanName(agentName: string): string {
  return `${GEN_AI_OPERATION_VALUE_INVOKE_AGENT} ${agentName}`;
}

function agentAttributes(agentName: string): Attributes {
  return { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_VALUE_INVOKE_AGENT, [ATTR_GEN_AI_AGENT_NAME]: agentName };
}
