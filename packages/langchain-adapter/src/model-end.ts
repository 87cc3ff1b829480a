/**
 * How a LangChain model run ends: its boundary hold settled, and, unless a provider adapter
 * enriched its span (those are then the adapter's), what the model answered or how it failed.
 */
import type { Context, Span } from '@opentelemetry/api';
import { digest } from '@runproof/core';
import { detectDrift, isModelSpanClaimed, recordValidation, reportCall, reportObserved } from '@runproof/core/adapter';
import {
  ATTR_ERROR_TYPE,
  ATTR_RUNPROOF_CALL_FINGERPRINT,
  VALIDATION_CHECKPOINT_VALUE_TOOL_CALLS,
  VALIDATION_ISSUE_CODE_VALUE_UNDECLARED_TOOL,
  VALIDATION_OUTCOME_VALUE_FAIL,
  VALIDATION_OUTCOME_VALUE_PASS,
} from '@runproof/core/semconv';
import { isAbandonedStreamClosing } from './abandoned-streams.ts';
import { markFailure } from './cancellations.ts';
import {
  modelCallConditions,
  modelMetricAttributes,
  readModelResponse,
  type ModelRequest,
  type ModelResponse,
} from './model-attributes.ts';
import { recordModelMessages } from './model-messages.ts';
import { recordModelMetrics, recordModelStreamMetrics } from './model-metrics.ts';
import { now, settleUnanswered, type RunRecord } from './open-runs.ts';
import { outputTextOf } from './usage-text.ts';

/** A model run ended (`handleLLMEnd`) with `output`: its usage settles the boundary hold, its answer goes on the span. */
export function endModelRun(record: RunRecord, output: unknown): void {
  const { span, model } = record;
  const response = readModelResponse(output);
  record.ticket?.settle({
    inputTokens: response.inputTokens,
    outputTokens: response.outputTokens,
    model: response.responseModel,
    outputText: () => outputTextOf(output),
  });
  if (model !== undefined && ownsGenAI(record)) {
    const endTime = now();
    recordModelStreamMetrics(modelMetricAttributes(model, response.responseModel), record, endTime);
    recordModelEnd(span, model, response, record.context, (endTime - record.startTime) / 1000);
    recordModelMessages(record, output);
  }
  span.end();
}

/**
 * A model run failed (`handleLLMError`). A failed call counts in the duration metric, by its error
 * type; the cancellation of a stream its caller abandoned is no failure.
 */
export function failModelRun(record: RunRecord, error: unknown): void {
  settleUnanswered(record);
  if (!isAbandonedStreamClosing(record, error)) {
    const errorType = markFailure(record.span, error);
    const { model } = record;
    if (model !== undefined && ownsGenAI(record)) {
      const endTime = now();
      const attributes = modelMetricAttributes(model, undefined);
      recordModelStreamMetrics(attributes, record, endTime);
      recordModelMetrics(
        { ...attributes, [ATTR_ERROR_TYPE]: errorType },
        (endTime - record.startTime) / 1000,
        undefined,
        undefined,
      );
    }
  }
  recordModelMessages(record, undefined);
  record.span.end();
}

/** Whether a model run records its own GenAI attributes, usage and metrics: no provider adapter enriched its span (those are then the adapter's). */
function ownsGenAI(record: RunRecord): boolean {
  return !(record.scope !== undefined && isModelSpanClaimed(record.scope.deferred));
}

/**
 * What a finished model call records when no provider adapter enriched its span (a model other
 * than OpenAI's, or the OpenAI adapter not installed): the GenAI response attributes, the call's
 * fingerprint, drift of its resolved model and system fingerprint against that fingerprint's
 * baseline, its observed conditions, the GenAI metrics, and whether the model only called tools
 * it was offered.
 */
export function recordModelEnd(
  span: Span,
  model: ModelRequest,
  response: ModelResponse,
  callContext: Context,
  durationSeconds: number,
): void {
  span.setAttributes(response.attributes);
  const toolsDigest = model.toolNames.length > 0 ? digest(model.toolNames) : undefined;
  const callFingerprint = reportCall(modelCallConditions(model, toolsDigest), callContext);
  span.setAttribute(ATTR_RUNPROOF_CALL_FINGERPRINT, callFingerprint);
  // An answered call (a stream its caller abandoned never gets here). No output structure is
  // compared: this adapter records none (`ATTR_RUNPROOF_OUTPUT_SHAPE` is the OpenAI adapter's).
  detectDrift(span, callFingerprint, {
    resolvedModel: response.responseModel,
    systemFingerprint: response.systemFingerprint,
  });
  reportObserved(
    {
      resolvedModel: response.responseModel,
      systemFingerprint: response.systemFingerprint,
      toolsCalled: response.toolCallNames,
    },
    callContext,
  );
  recordModelMetrics(
    modelMetricAttributes(model, response.responseModel),
    durationSeconds,
    response.inputTokens,
    response.outputTokens,
  );
  if (response.toolCallNames.length === 0 || model.toolNames.length === 0) return;
  const issues = response.toolCallNames.flatMap((name, index) =>
    model.toolNames.includes(name)
      ? []
      : [
          {
            code: VALIDATION_ISSUE_CODE_VALUE_UNDECLARED_TOOL,
            path: ['tool_calls', index, 'name'],
            message: `the model called ${name}, which it was not offered`,
          },
        ],
  );
  recordValidation(span, {
    checkpoint: VALIDATION_CHECKPOINT_VALUE_TOOL_CALLS,
    outcome: issues.length > 0 ? VALIDATION_OUTCOME_VALUE_FAIL : VALIDATION_OUTCOME_VALUE_PASS,
    issues,
  });
}
