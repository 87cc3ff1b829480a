/**
 * A chat model or LLM run starts: its `chat {model}` (or `text_completion`) span, the model named
 * on the agent above it, and the run's boundary deciding before the request is sent.
 */
import { context, SpanKind } from '@opentelemetry/api';
import { getSettings, guardModelCall } from '@runproof/core/adapter';
import { ATTR_GEN_AI_CONVERSATION_ID } from '@runproof/core/semconv';
import { describeAgentModel } from './chain-runs.ts';
import { readThreadId } from './langgraph.ts';
import { readModelRequest } from './model-attributes.ts';
import type { RunRecord } from './open-runs.ts';
import type { RunStarter } from './run-start.ts';

/**
 * Starts a model run's span for `operation` (chat or text completion). `inputs` is what the start
 * callback received, a list of message lists (or of prompts) whose first is this run's: LangChain's
 * callback manager starts a run of its own for each. It is kept only when content is captured.
 */
export function startModelRun(
  starter: RunStarter,
  operation: string,
  runId: string,
  parentRunId: string | undefined,
  extraParams: unknown,
  metadata: unknown,
  inputs: unknown,
): RunRecord {
  const parent = starter.runs.get(parentRunId);
  const model = readModelRequest(operation, extraParams, metadata);
  const attributes = { ...model.attributes };
  const threadId = readThreadId(metadata);
  if (threadId !== undefined) attributes[ATTR_GEN_AI_CONVERSATION_ID] = threadId;
  const name = model.model === undefined ? operation : `${operation} ${model.model}`;
  const record = starter.start(runId, {
    parent,
    name,
    kind: SpanKind.CLIENT,
    attributes,
    parentContext: parent?.context ?? context.active(),
    scopeKind: 'model',
  });
  record.model = model;
  if (getSettings().captureContent && Array.isArray(inputs)) record.input = inputs[0];
  describeAgentModel(parent, model);
  return record;
}

/**
 * The run's boundary decides before the model is called, whatever its provider. A `halt` throws
 * out of the start callback (`raiseError`), so LangChain never sends the request. The provider
 * adapter that later enriches this span leaves guarding to it.
 */
export function guardModelRun(
  starter: RunStarter,
  runId: string,
  record: RunRecord | undefined,
  inputText: () => string,
): void {
  if (record?.model === undefined) return;
  try {
    record.ticket = guardModelCall(
      { model: record.model.model ?? '', maxOutputTokens: record.model.maxOutputTokens, inputText },
      record.span,
      record.context,
    );
  } catch (error) {
    starter.haltedAtStart(runId, error);
  }
}
