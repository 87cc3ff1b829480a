import type { Context, Span } from '@opentelemetry/api';
import { digest } from '@runproof/core';
import { recordValidation, reportCall, reportObserved } from '@runproof/core/adapter';
import {
  ATTR_RUNPROOF_CALL_FINGERPRINT,
  VALIDATION_CHECKPOINT_VALUE_TOOL_CALLS,
  VALIDATION_ISSUE_CODE_VALUE_UNDECLARED_TOOL,
  VALIDATION_OUTCOME_VALUE_FAIL,
  VALIDATION_OUTCOME_VALUE_PASS,
} from '@runproof/core/semconv';
import { modelCallConditions, modelMetricAttributes, type ModelRequest, type ModelResponse } from './model-attributes.ts';
import { recordModelMetrics } from './model-metrics.ts';

/**
 * What a finished model call records when no provider adapter enriched its span (a model other
 * than OpenAI's, or the OpenAI adapter not installed): the GenAI response attributes, the call's
 * fingerprint and observed conditions, the GenAI metrics, and whether the model only called tools
 * it was offered.
 */
export function recordModelEnd(span: Span, model: ModelRequest, response: ModelResponse, callContext: Context, durationSeconds: number): void {
  span.setAttributes(response.attributes);
  const toolsDigest = model.toolNames.length > 0 ? digest(model.toolNames) : undefined;
  span.setAttribute(ATTR_RUNPROOF_CALL_FINGERPRINT, reportCall(modelCallConditions(model, toolsDigest), callContext));
  reportObserved({ resolvedModel: response.responseModel, systemFingerprint: response.systemFingerprint, toolsCalled: response.toolCallNames }, callContext);
  recordModelMetrics(modelMetricAttributes(model, response.responseModel), durationSeconds, response.inputTokens, response.outputTokens);
  if (response.toolCallNames.length === 0 || model.toolNames.length === 0) return;
  const issues = response.toolCallNames.flatMap((name, index) =>
    model.toolNames.includes(name) ? [] : [{ code: VALIDATION_ISSUE_CODE_VALUE_UNDECLARED_TOOL, path: ['tool_calls', index, 'name'], message: `the model called ${name}, which it was not offered` }],
  );
  recordValidation(span, { checkpoint: VALIDATION_CHECKPOINT_VALUE_TOOL_CALLS, outcome: issues.length > 0 ? VALIDATION_OUTCOME_VALUE_FAIL : VALIDATION_OUTCOME_VALUE_PASS, issues });
}
