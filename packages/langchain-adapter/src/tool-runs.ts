/**
 * Tool runs: what an `execute_tool` span carries, and how a tool run ends. A failed one waits for
 * its parent run to end, to know whether the agent handled the failure.
 */
import type { Attributes, Span } from '@opentelemetry/api';
import { captureContent } from '@runproof/core/adapter';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_RUNPROOF_ERROR_HANDLED,
  ATTR_RUNPROOF_STEP_INTERRUPTED,
  GEN_AI_OPERATION_VALUE_EXECUTE_TOOL,
  GEN_AI_TOOL_TYPE_VALUE_FUNCTION,
} from '@runproof/core/semconv';
import { isAbandonedStreamClosing } from './abandoned-streams.ts';
import { markFailure } from './cancellations.ts';
import { graphSignal } from './langgraph.ts';
import { now, type RunRecord } from './open-runs.ts';

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

/** A tool run returned (`handleToolEnd`) `output`: its result, when content is captured. */
export function endToolRun(record: RunRecord, output: unknown): void {
  captureContent(record.span, ATTR_GEN_AI_TOOL_CALL_RESULT, toolResultOf(output));
  // A tool that called another, which failed, and still returned: it handled that failure.
  settleFailedTools(record, true);
  record.span.end();
}

/** What a tool returned: a `ToolMessage`'s content (what the model reads), or the value itself. */
function toolResultOf(output: unknown): unknown {
  if (typeof output !== 'object' || output === null) return output;
  const message = output as { content?: unknown; tool_call_id?: unknown };
  return typeof message.tool_call_id === 'string' && message.content !== undefined ? message.content : output;
}

/** A tool run threw (`handleToolError`); `toolErrors` keeps what tools threw, content wherever it goes. */
export function failToolRun(record: RunRecord, error: unknown, toolErrors: WeakSet<object>): void {
  // A tool that paused at `interrupt()` (human in the loop) did not fail. Other LangGraph signals
  // out of a tool are failures to the agent: its tool node turns them into an error result.
  const interrupted = graphSignal(error) === 'interrupt';
  if (interrupted || isAbandonedStreamClosing(record, error)) {
    if (interrupted) record.span.setAttribute(ATTR_RUNPROOF_STEP_INTERRUPTED, true);
    record.span.end();
    return;
  }
  // What a tool throws, an agent sends back to the model as the tool's result: content, here
  // and on every run the error goes on to fail.
  if (typeof error === 'object' && error !== null) toolErrors.add(error);
  markFailure(record.span, error, { quotesContent: true });
  settleFailedTools(record, false);
  settleLater(record.span, record.parent);
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
