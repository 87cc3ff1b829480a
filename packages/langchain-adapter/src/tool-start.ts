/**
 * A tool run starts: its `execute_tool {name}` span, with the call's arguments when content is
 * captured, and the run's boundary deciding before the tool's function runs.
 */
import { context, SpanKind } from '@opentelemetry/api';
import type { Serialized } from '@langchain/core/load/serializable';
import { captureContent, guardToolCall, reportObserved } from '@runproof/core/adapter';
import { ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, GEN_AI_OPERATION_VALUE_EXECUTE_TOOL } from '@runproof/core/semconv';
import { asRecord } from './model-attributes.ts';
import type { RunRecord } from './open-runs.ts';
import type { RunStarter } from './run-start.ts';
import { toolAttributes } from './tool-runs.ts';

/** A tool run that started: its record and the tool's name. */
export interface StartedTool {
  record: RunRecord;
  name: string;
}

/** Starts a tool run's span (`handleToolStart`). */
export function startToolRun(
  starter: RunStarter,
  tool: Serialized,
  input: string,
  runId: string,
  parentRunId: string | undefined,
  runName: string | undefined,
  toolCallId: string | undefined,
): StartedTool {
  const parent = starter.runs.get(parentRunId);
  const name = runName ?? (asRecord(tool).name as string | undefined) ?? tool?.id?.at(-1) ?? 'tool';
  const record = starter.start(runId, {
    parent,
    name: `${GEN_AI_OPERATION_VALUE_EXECUTE_TOOL} ${name}`,
    kind: SpanKind.INTERNAL,
    attributes: toolAttributes(name, toolCallId),
    parentContext: parent?.context ?? context.active(),
    scopeKind: 'tool',
  });
  captureContent(record.span, ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, input);
  reportObserved({ toolsCalled: [name] }, record.context);
  return { record, name };
}

/**
 * The run's boundary decides before the tool's function runs. A `halt` throws out of the start
 * callback (`raiseError`), so LangChain never calls the tool.
 */
export function guardToolRun(starter: RunStarter, runId: string, started: StartedTool): void {
  try {
    guardToolCall({ tool: started.name }, started.record.span, started.record.context);
  } catch (error) {
    starter.haltedAtStart(runId, error);
  }
}
