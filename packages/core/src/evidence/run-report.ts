import type { RunManifest } from '../identity/manifest.ts';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_RUNPROOF_BOUNDARY_DECISION,
  ATTR_RUNPROOF_BOUNDARY_LIMIT,
  ATTR_RUNPROOF_BOUNDARY_OBSERVED,
  ATTR_RUNPROOF_BOUNDARY_POLICY,
  ATTR_RUNPROOF_BOUNDARY_RULE,
  ATTR_RUNPROOF_CALL_FINGERPRINT,
  ATTR_RUNPROOF_DRIFT_BASELINE,
  ATTR_RUNPROOF_DRIFT_KIND,
  ATTR_RUNPROOF_DRIFT_OBSERVED,
  ATTR_RUNPROOF_ESCALATION_REASON,
  ATTR_RUNPROOF_ESCALATION_TARGET,
  ATTR_RUNPROOF_EVIDENCE_STATUS,
  ATTR_RUNPROOF_HANDOFF_REASON,
  ATTR_RUNPROOF_HANDOFF_TARGET,
  ATTR_RUNPROOF_MANIFEST,
  ATTR_RUNPROOF_OUTCOME_NAME,
  ATTR_RUNPROOF_OUTCOME_STATUS,
  ATTR_RUNPROOF_OUTCOME_UNIT,
  ATTR_RUNPROOF_OUTCOME_VALUE,
  ATTR_RUNPROOF_OWNER_OPERATIONAL,
  ATTR_RUNPROOF_OWNER_TECHNICAL,
  ATTR_RUNPROOF_RUN_CONTINUATION,
  ATTR_RUNPROOF_RUN_OUTCOME,
  ATTR_RUNPROOF_STEP_REPLAYED,
  ATTR_RUNPROOF_VALIDATION_CHECKPOINT,
  ATTR_RUNPROOF_VALIDATION_ISSUE_CODES,
  ATTR_RUNPROOF_VALIDATION_ISSUE_COUNT,
  ATTR_RUNPROOF_VALIDATION_ISSUE_PATHS,
  ATTR_RUNPROOF_VALIDATION_OUTCOME,
  EVENT_RUNPROOF_BOUNDARY_VIOLATION,
  EVENT_RUNPROOF_DRIFT,
  EVENT_RUNPROOF_ESCALATION,
  EVENT_RUNPROOF_OUTCOME,
  EVENT_RUNPROOF_RUN_HANDOFF,
  EVENT_RUNPROOF_RUN_MANIFEST,
  EVENT_RUNPROOF_VALIDATION_FAILURE,
  GEN_AI_OPERATION_VALUE_EXECUTE_TOOL,
} from '../semconv.ts';
import type { AttemptSpans, RunSpans } from './run-index.ts';
import type { TraceSpan } from './trace-span.ts';
import type { PreviousAttempt } from './statement.ts';
import type { RunVerification } from './verify-types.ts';

/** One line of a span tree: depth, the span's name and what an auditor reads of it. */
export interface TreeLine {
  depth: number;
  name: string;
  facts: string[];
}

/** One attempt of the run, as the report shows it. */
export interface AttemptReport {
  attempt: number;
  continuation: string;
  outcome: string;
  errorType: string | null;
  evidenceStatus: string | null;
  /** ISO time the attempt started. */
  startedAt: string;
  durationMs: number;
  spanId: string;
  traceId: string;
  manifest: RunManifest | undefined;
  tree: TreeLine[];
}

/** A decision, verdict, change or event found on a span, with the span it is on. */
export interface SpanFinding {
  span: string;
  details: Record<string, string>;
}

/** Everything `runproof report` says about one run. */
export interface RunReport {
  runId: string;
  name: string;
  verification: RunVerification | undefined;
  owners: { technical: string | null; operational: string | null };
  attempts: AttemptReport[];
  /** Earlier attempts a present attempt's attestation names that are not in the traces (`ended` false: its process died). */
  absentAttempts: PreviousAttempt[];
  totals: { modelCalls: number; toolCalls: number; inputTokens: number; outputTokens: number };
  boundary: SpanFinding[];
  validations: SpanFinding[];
  drift: SpanFinding[];
  escalations: SpanFinding[];
  outcomes: SpanFinding[];
  handoffs: SpanFinding[];
}

const text = (value: unknown): string =>
  value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);

/** The report of one run from its spans and its verification. */
export function buildRunReport(
  run: RunSpans,
  verification: RunVerification | undefined,
  absentAttempts: PreviousAttempt[] = [],
): RunReport {
  const report: RunReport = {
    runId: run.runId,
    name: run.name,
    verification,
    owners: { technical: null, operational: null },
    attempts: [],
    absentAttempts,
    totals: { modelCalls: 0, toolCalls: 0, inputTokens: 0, outputTokens: 0 },
    boundary: [],
    validations: [],
    drift: [],
    escalations: [],
    outcomes: [],
    handoffs: [],
  };
  for (const attempt of run.attempts) {
    const runSpan = attempt.runSpan;
    report.owners.technical ??= stringOrNull(runSpan.attributes[ATTR_RUNPROOF_OWNER_TECHNICAL]);
    report.owners.operational ??= stringOrNull(runSpan.attributes[ATTR_RUNPROOF_OWNER_OPERATIONAL]);
    report.attempts.push({
      attempt: attempt.attempt,
      continuation: text(runSpan.attributes[ATTR_RUNPROOF_RUN_CONTINUATION]),
      outcome: text(runSpan.attributes[ATTR_RUNPROOF_RUN_OUTCOME]),
      errorType: stringOrNull(runSpan.attributes[ATTR_ERROR_TYPE]),
      evidenceStatus: stringOrNull(runSpan.attributes[ATTR_RUNPROOF_EVIDENCE_STATUS]),
      startedAt: new Date(runSpan.startMicros / 1000).toISOString(),
      durationMs: (runSpan.endMicros - runSpan.startMicros) / 1000,
      spanId: runSpan.spanId,
      traceId: runSpan.traceId,
      manifest: manifestOf(runSpan),
      tree: treeOf(attempt),
    });
    for (const span of [runSpan, ...attempt.spans].sort((a, b) => a.startMicros - b.startMicros))
      collect(span, attempt.attempt, report);
  }
  return report;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function manifestOf(span: TraceSpan): RunManifest | undefined {
  const json = span.events.find((event) => event.name === EVENT_RUNPROOF_RUN_MANIFEST)?.attributes[
    ATTR_RUNPROOF_MANIFEST
  ];
  try {
    return typeof json === 'string' ? (JSON.parse(json) as RunManifest) : undefined;
  } catch {
    return undefined;
  }
}

function collect(span: TraceSpan, attempt: number, report: RunReport): void {
  const where = `${span.name} (attempt ${attempt})`;
  const attributes = span.attributes;
  if (
    typeof attributes[ATTR_RUNPROOF_CALL_FINGERPRINT] === 'string' &&
    attributes[ATTR_GEN_AI_OPERATION_NAME] !== GEN_AI_OPERATION_VALUE_EXECUTE_TOOL
  )
    report.totals.modelCalls += 1;
  if (attributes[ATTR_GEN_AI_OPERATION_NAME] === GEN_AI_OPERATION_VALUE_EXECUTE_TOOL) report.totals.toolCalls += 1;
  report.totals.inputTokens += Number(attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] ?? 0) || 0;
  report.totals.outputTokens += Number(attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] ?? 0) || 0;
  const decision = attributes[ATTR_RUNPROOF_BOUNDARY_DECISION];
  if (decision !== undefined) {
    const details: Record<string, string> = {
      decision: text(decision),
      policy: text(attributes[ATTR_RUNPROOF_BOUNDARY_POLICY]),
    };
    if (attributes[ATTR_RUNPROOF_BOUNDARY_RULE] !== undefined)
      details.rule = text(attributes[ATTR_RUNPROOF_BOUNDARY_RULE]);
    report.boundary.push({ span: where, details });
  }
  const validation = attributes[ATTR_RUNPROOF_VALIDATION_OUTCOME];
  if (validation !== undefined) {
    const details: Record<string, string> = { outcome: text(validation) };
    if (attributes[ATTR_RUNPROOF_VALIDATION_CHECKPOINT] !== undefined)
      details.checkpoint = text(attributes[ATTR_RUNPROOF_VALIDATION_CHECKPOINT]);
    if (attributes[ATTR_RUNPROOF_VALIDATION_ISSUE_COUNT] !== undefined)
      details.issues = text(attributes[ATTR_RUNPROOF_VALIDATION_ISSUE_COUNT]);
    report.validations.push({ span: where, details });
  }
  for (const event of span.events) {
    const read = (key: string) => text(event.attributes[key]);
    if (event.name === EVENT_RUNPROOF_BOUNDARY_VIOLATION)
      report.boundary.push({
        span: where,
        details: {
          violation: read(ATTR_RUNPROOF_BOUNDARY_RULE),
          limit: read(ATTR_RUNPROOF_BOUNDARY_LIMIT),
          observed: read(ATTR_RUNPROOF_BOUNDARY_OBSERVED),
          decision: read(ATTR_RUNPROOF_BOUNDARY_DECISION),
        },
      });
    if (event.name === EVENT_RUNPROOF_VALIDATION_FAILURE)
      report.validations.push({
        span: where,
        details: {
          failure: read(ATTR_RUNPROOF_VALIDATION_ISSUE_CODES),
          paths: read(ATTR_RUNPROOF_VALIDATION_ISSUE_PATHS),
        },
      });
    if (event.name === EVENT_RUNPROOF_DRIFT)
      report.drift.push({
        span: where,
        details: {
          kind: read(ATTR_RUNPROOF_DRIFT_KIND),
          baseline: read(ATTR_RUNPROOF_DRIFT_BASELINE),
          observed: read(ATTR_RUNPROOF_DRIFT_OBSERVED),
        },
      });
    if (event.name === EVENT_RUNPROOF_ESCALATION)
      report.escalations.push({
        span: where,
        details: { reason: read(ATTR_RUNPROOF_ESCALATION_REASON), target: read(ATTR_RUNPROOF_ESCALATION_TARGET) },
      });
    if (event.name === EVENT_RUNPROOF_OUTCOME)
      report.outcomes.push({
        span: where,
        details: {
          name: read(ATTR_RUNPROOF_OUTCOME_NAME),
          value: read(ATTR_RUNPROOF_OUTCOME_VALUE),
          unit: read(ATTR_RUNPROOF_OUTCOME_UNIT),
          status: read(ATTR_RUNPROOF_OUTCOME_STATUS),
        },
      });
    if (event.name === EVENT_RUNPROOF_RUN_HANDOFF)
      report.handoffs.push({
        span: where,
        details: { target: read(ATTR_RUNPROOF_HANDOFF_TARGET), reason: read(ATTR_RUNPROOF_HANDOFF_REASON) },
      });
  }
}

/** The attempt's spans as a tree under its run span, in start order, each with what matters about it. */
function treeOf(attempt: AttemptSpans): TreeLine[] {
  const children = new Map<string, TraceSpan[]>();
  for (const span of attempt.spans) {
    const parent = span.parentSpanId ?? '';
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const placed = new Set<TraceSpan>();
  const lines: TreeLine[] = [];
  const walk = (span: TraceSpan, depth: number) => {
    placed.add(span);
    lines.push({ depth, name: span.name, facts: factsOf(span) });
    for (const child of (children.get(span.spanId) ?? []).sort((a, b) => a.startMicros - b.startMicros))
      walk(child, depth + 1);
  };
  walk(attempt.runSpan, 0);
  // Spans whose parent is not in the files (a parent removed, another service's): listed under the run.
  for (const span of attempt.spans
    .filter((candidate) => !placed.has(candidate))
    .sort((a, b) => a.startMicros - b.startMicros))
    if (!placed.has(span)) walk(span, 1);
  return lines;
}

function factsOf(span: TraceSpan): string[] {
  const attributes = span.attributes;
  const facts: string[] = [];
  if (attributes[ATTR_GEN_AI_RESPONSE_MODEL] !== undefined) facts.push(text(attributes[ATTR_GEN_AI_RESPONSE_MODEL]));
  if (
    attributes[ATTR_GEN_AI_TOOL_NAME] !== undefined &&
    attributes[ATTR_GEN_AI_OPERATION_NAME] === GEN_AI_OPERATION_VALUE_EXECUTE_TOOL
  )
    facts.push(`tool ${text(attributes[ATTR_GEN_AI_TOOL_NAME])}`);
  if (attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] !== undefined)
    facts.push(
      `${text(attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS])}→${text(attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS])} tokens`,
    );
  if (attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] !== undefined)
    facts.push(`finish ${text(attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS]).replace(/[[\]"]/g, '')}`);
  if (attributes[ATTR_RUNPROOF_BOUNDARY_DECISION] !== undefined)
    facts.push(`boundary ${text(attributes[ATTR_RUNPROOF_BOUNDARY_DECISION])}`);
  if (attributes[ATTR_RUNPROOF_VALIDATION_OUTCOME] !== undefined)
    facts.push(`validation ${text(attributes[ATTR_RUNPROOF_VALIDATION_OUTCOME])}`);
  if (span.events.some((event) => event.name === EVENT_RUNPROOF_DRIFT)) facts.push('drift');
  if (attributes[ATTR_RUNPROOF_STEP_REPLAYED] === true) facts.push('replayed from the journal');
  if (span.status === 'error') facts.push(`error ${text(attributes[ATTR_ERROR_TYPE])}`.trim());
  return facts;
}
