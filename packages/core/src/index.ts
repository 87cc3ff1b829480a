// The public surface of @runproof/core for applications. Everything exported is documented and
// versioned. Instrumentation packages build on `@runproof/core/adapter` (adapter-kit.ts).
export { start, KNOWN_ADAPTERS } from './setup/start.ts';
export type { RunproofHandle } from './setup/start.ts';
export { resolveConfig, parseCaptureContent } from './setup/config.ts';
export type {
  StartOptions,
  ResolvedConfig,
  TraceExporterName,
  MetricExporterName,
  OtlpProtocol,
  OtlpCompression,
  OtlpTarget,
  SpanBatchSettings,
  MetricTemporality,
  SamplerName,
  TlsFiles,
} from './setup/config.ts';
export { run, step, currentRun } from './run/run.ts';
export type { Run, RunSpec, RunContinuation, RunOutcome } from './run/run.ts';
export { outcome } from './run/outcome.ts';
export type { OutcomeOptions } from './run/outcome.ts';
export { createRunId } from './identity/run-id.ts';
export { canonicalize, digest, sha256 } from './identity/canonical-json.ts';
export { createManifest, diffManifests } from './identity/manifest.ts';
export { readManifests } from './identity/trace-file.ts';
export type {
  CallConditions,
  ObservedConditions,
  DeclaredConditions,
  ObservedSummary,
  RunManifest,
  ManifestDifference,
} from './identity/manifest.ts';
export { RunproofError, ConfigError, BoundaryViolationError, ValidationError, formatPath } from './errors.ts';
export type { Issue, BoundaryViolation } from './errors.ts';
export { BOUNDARY_RULES, resolvePolicy } from './boundary/policy.ts';
export type {
  BoundaryPolicy,
  BoundaryDecision,
  ViolationDecision,
  BoundaryRuleField,
  ModelPrice,
  ResolvedPolicy,
} from './boundary/policy.ts';
export { matchesGlob } from './boundary/glob.ts';
export { tool } from './validation/tool.ts';
export type { ToolFunction, ToolOptions } from './validation/tool.ts';
export { checkpoint } from './validation/checkpoint.ts';
export type { CheckpointOptions } from './validation/checkpoint.ts';
export {
  isStandardSchema,
  validateStandardSchema,
  standardSchemaDigest,
  fromStandardIssues,
} from './validation/standard-schema.ts';
export type {
  StandardSchemaV1,
  StandardSchemaProperties,
  StandardSchemaResult,
  StandardSchemaIssue,
  StandardSchemaOutput,
} from './validation/standard-schema.ts';
export { validateJsonSchema, jsonSchemaDigest } from './validation/json-schema.ts';
export type { JsonSchema } from './validation/json-schema.ts';
export type { ValidationOutcome, ValidationResult } from './validation/result.ts';
export { handoff } from './run/handoff.ts';
export type { HandoffOptions } from './run/handoff.ts';
export type { DurableSpec } from './run/durable.ts';
export type { StepOptions } from './run/durable-step.ts';
export { openStore as openRunStore } from './continuity/open-store.ts';
export type { DurabilityOptions } from './continuity/durability.ts';
export type {
  RunStore,
  RunJournal,
  RunHeader,
  RunStatus,
  StepRecord,
  AttemptRecord,
  HandoffRecord,
  RunUsage,
  Claim,
  RunFilter,
} from './continuity/journal.ts';
export type { BaselineStore, BaselineObservation, BaselineValue, BaselineListing } from './continuity/baselines.ts';
export {
  StoreUnavailableError,
  RunInProgressError,
  JournalWriteError,
  LeaseLostError,
  StepResultError,
  RunHandedOffError,
  RunIdConflictError,
} from './continuity/errors.ts';
export { RunSpanProcessor } from './setup/span-processor.ts';
export type { RunSpanProcessorOptions } from './setup/span-processor.ts';
export type { EvidenceOptions, ResolvedEvidence } from './evidence/evidence-options.ts';
export type { EvidenceSigner, KeyInput } from './evidence/signing-key.ts';
export { OtlpJsonFileExporter } from './setup/file-exporter.ts';
export type { Redactor } from './settings.ts';
export { VERSION } from './version.ts';
