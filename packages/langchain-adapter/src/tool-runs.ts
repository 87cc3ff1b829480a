import type { Attributes, Span } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_RUNPROOF_ERROR_HANDLED,
  GEN_AI_OPERATION_VALUE_EXECUTE_TOOL,
  GEN_AI_TOOL_TYPE_VALUE_FUNCTION,
} from '@runproof/core/semconv';
import { now, type RunRecord } from './open-runs.ts';

/** Checkpoint of a tool's argument check: `{tool name}.arguments`, as core's tool checks name it. */
export const TOOL_ARGUMENTS_CHECKPOINT_SUFFIX = '.arguments';

/** The GenAI attributes of an `execute_tool` span. */
export function toolAttributes(name: string, toolCallId: string | undefined): Attributes {
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_VALUE_EXECUTE_TOOL,
    [ATTR_GEN_AI_TOOL_NAME]: name,
    [ATTR_GEN_AI_TOOL_TYPE]: GEN_AI_TOOL_TYPE_VALUE_FUNCTION,
  };
  if (toolCallId !== undefined) attributes[ATTR_GEN_AI_TOOL_CALL_ID] = toolCallId;
  return attributes;
}

/**
 * A failed tool span ends when its parent run does, once it is known whether the agent handled the
 * error (`ATTR_RUNPROOF_ERROR_HANDLED`). With no parent to wait for, or one already ended (a tool
 * that outlived the run that started it), it ends now.
 */
export function settleLater(span: Span, parent: RunRecord | undefined): void {
  if (parent === undefined || !parent.open) {
    span.end();
    return;
  }
  parent.failedTools.push({ span, endTime: now() });
}

/** Ends the failed tool spans that waited for `record` to end, saying whether their failure was handled. */
export function settleFailedTools(record: RunRecord, handled: boolean): void {
  for (const failed of record.failedTools) {
    failed.span.setAttribute(ATTR_RUNPROOF_ERROR_HANDLED, handled);
    failed.span.end(failed.endTime);
  }
  record.failedTools.length = 0;
}
