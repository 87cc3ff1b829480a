// `@runproof/core/adapter`: what instrumentation packages build on. Applications use the main entry
// point (`@runproof/core`); these are the hooks an adapter calls around each model or tool call.
export { reportCall, reportObserved, activeRunId } from './run/report.ts';
export { setModelSpan, claimModelSpan, releaseModelSpan, isModelSpanClaimed } from './telemetry/model-span.ts';
export { guardModelCall, guardToolCall, isGuarded } from './boundary/guards.ts';
export type { ModelCallRequest, ToolCallRequest, BoundaryTicket } from './boundary/guards.ts';
export type { ModelCallUsage } from './boundary/usage-estimate.ts';
export { recordValidation, checkToolCallArguments, checkJsonOutput, classifyFinish } from './validation/validation.ts';
export type { ValidationOutcome, ValidationResult } from './validation/result.ts';
export type { ValidationRecord, DeclaredTools, Verdict } from './validation/validation.ts';
export { detectDrift } from './drift/drift.ts';
export type { DriftObservation } from './drift/drift.ts';
export {
  genAIInstruments,
  globalGenAIInstruments,
  genAIMetricAttributes,
  recordGenAIMetrics,
  recordStreamMetrics,
} from './telemetry/gen-ai-metrics.ts';
export type { GenAIInstruments, GenAIMetricSubject } from './telemetry/gen-ai-metrics.ts';
export { recordContent, captureContent, capBytes } from './telemetry/content.ts';
export { getSettings } from './settings.ts';
export type { Settings } from './settings.ts';
export { safely, warnLoudly, warnOnce } from './safely.ts';
export { markCancelled, markError } from './telemetry/span-status.ts';
export { isCancellation } from './errors.ts';
export { cachedDigest, freezeWithDigest } from './identity/digest-cache.ts';
export { responsesFinishReason } from './telemetry/finish-reason.ts';
export { toolDefinitions } from './telemetry/tool-definitions.ts';
export type { ToolDefinition } from './telemetry/tool-definitions.ts';
export { openCall, closeCall } from './telemetry/open-calls.ts';
export { keepShapes } from './internal/shapes.ts';
export { SCOPE_OPTIONS } from './telemetry/scope.ts';
export type { OpenCall } from './telemetry/open-calls.ts';
