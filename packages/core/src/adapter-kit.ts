// `@runproof/core/adapter`: what instrumentation packages build on. Applications use the main entry
// point (`@runproof/core`); these are the hooks an adapter calls around each model or tool call.
export { reportCall, reportObserved, activeRunId, setModelSpan, claimModelSpan, releaseModelSpan, isModelSpanClaimed } from './adapter.ts';
export { guardModelCall, guardToolCall } from './boundary.ts';
export type { ModelCallRequest, ToolCallRequest, ModelCallUsage, BoundaryTicket } from './boundary.ts';
export { recordValidation, checkToolCallArguments, checkJsonOutput, classifyFinish } from './validation.ts';
export type { ValidationOutcome, ValidationResult, ValidationRecord, DeclaredTools } from './validation.ts';
export { detectDrift } from './drift.ts';
export type { DriftObservation } from './drift.ts';
export { genAIInstruments, globalGenAIInstruments, recordGenAIMetrics } from './gen-ai-metrics.ts';
export type { GenAIInstruments } from './gen-ai-metrics.ts';
export { recordContent, captureContent, capBytes } from './content.ts';
export { getSettings } from './settings.ts';
export type { Settings } from './settings.ts';
export { safely, warnOnce } from './safely.ts';
export { markCancelled, markError } from './run.ts';
export { isCancellation } from './errors.ts';
export { cachedDigest } from './digest-cache.ts';
export { responsesFinishReason } from './finish-reason.ts';
export { openCall, closeCall } from './open-calls.ts';
export type { OpenCall } from './open-calls.ts';
