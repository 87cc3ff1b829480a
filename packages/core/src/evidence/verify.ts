import { ATTR_RUNPROOF_RUN_ID } from '../semconv.ts';
import { readAttestation, type ReadAttestation } from './attestation-reader.ts';
import { checkLedger, checkManifest, checkStatement, coverageOf, describeSpan } from './attempt-checks.ts';
import { indexTraces, isRunSpanOf, type AttemptSpans, type RunSpans, type TraceIndex } from './run-index.ts';
import type { TraceSpan } from './trace-span.ts';
import {
  checkResult,
  type AttemptVerification,
  type CheckResult,
  type RunVerification,
  type VerificationKey,
  type VerifyResult,
} from './verify-types.ts';

/** What {@link verifyTraces} checks. */
export interface VerifyOptions {
  /** The public keys to trust; none means every signature is reported as not checked. */
  keys: readonly VerificationKey[];
  /** Only this run. Default: every run in the traces. */
  runId?: string;
  /** The files the spans were read from, for the report. */
  files?: string[];
}

/**
 * Checks every run in the spans (or one): each attempt's signature, its statement against its run
 * span, its manifest against its spans, its ledger against the spans present, and the chain of a
 * durable run's attempts. Pure: reads nothing, prints nothing.
 *
 * @example
 * const result = verifyTraces(readTraceFile(text, 'traces.json'), { keys: [await readVerificationKey('key.pub.pem')] });
 */
export function verifyTraces(spans: readonly TraceSpan[], options: VerifyOptions): VerifyResult {
  const { index, attestationOf } = indexAttested(spans, options.keys);
  const problems: string[] = [];
  const runs: RunVerification[] = [];
  for (const run of index.runs) {
    if (options.runId !== undefined && run.runId !== options.runId) continue;
    if (run.attempts.length === 0 && run.replays.length === 0) {
      // Spans of a run without its run span: the span that carries the attestation is gone.
      const count = run.unattributed.length + run.ofDiedAttempts.length;
      const problem = `no run span of run ${run.runId} is in the traces, so no attestation covers its ${count} span${count === 1 ? '' : 's'}: the run span was removed, or its process never ended it`;
      runs.push({ runId: run.runId, name: run.name, ok: false, attempts: [], problems: [problem], notes: [] });
      continue;
    }
    runs.push(verifyRun(run, index.bySpanId, attestationOf));
  }
  for (const { spanId, spans: sharing } of index.duplicates) {
    const message = `two different spans share span id ${spanId} (${sharing.map((span) => `"${span.name}"`).join(', ')}): one was forged or copied`;
    const runIds = new Set(sharing.map((span) => span.attributes[ATTR_RUNPROOF_RUN_ID]));
    const affected = runs.filter((run) => runIds.has(run.runId));
    if (affected.length === 0) problems.push(message);
    for (const run of affected) {
      run.problems.push(message);
      run.ok = false;
    }
  }
  if (options.runId !== undefined && runs.length === 0) problems.push(`the traces hold no run ${options.runId}`);
  if (options.runId === undefined && runs.length === 0) problems.push('the traces hold no run span');
  return {
    ok: problems.length === 0 && runs.every((run) => run.ok),
    files: options.files ?? [],
    keys: options.keys.map((key) => ({ keyId: key.keyId, source: key.source })),
    runs,
    problems,
  };
}

/**
 * The spans indexed by run and attempt, each span sorted into the attempt whose signed ledger lists
 * it, with each run span's attestation read (once) against `keys`.
 */
export function indexAttested(
  spans: readonly TraceSpan[],
  keys: readonly VerificationKey[],
): { index: TraceIndex; attestationOf: (span: TraceSpan) => ReadAttestation } {
  const attestations = new Map<TraceSpan, ReadAttestation>();
  const attestationOf = (span: TraceSpan) => {
    let read = attestations.get(span);
    if (read === undefined) attestations.set(span, (read = readAttestation(span, keys)));
    return read;
  };
  const died = new Set<string>();
  for (const span of spans) {
    if (!isRunSpanOf(span)) continue;
    // Only a good attestation about this run span may say the attempt before it died: a forged one
    // (on a span passed off as a replay, which nothing checks) would pass added spans off as its.
    const read = attestationOf(span);
    const predicate = read.signature.ok ? read.statement?.predicate : undefined;
    if (predicate?.run?.spanId !== span.spanId || predicate.manifest?.runId !== span.attributes[ATTR_RUNPROOF_RUN_ID])
      continue;
    const previous = predicate.previousAttempt;
    if (previous?.ended === false) died.add(previous.spanId);
  }
  const index = indexTraces(spans, {
    listed: (runSpan) =>
      new Set(attestationOf(runSpan).statement?.predicate.ledger.spans.map((entry) => entry?.spanId) ?? []),
    died,
  });
  return { index, attestationOf };
}

function verifyRun(
  run: RunSpans,
  bySpanId: ReadonlyMap<string, TraceSpan>,
  attestationOf: (span: TraceSpan) => ReadAttestation,
): RunVerification {
  const attempts = run.attempts.map((attempt) => verifyAttempt(attempt, run, bySpanId, attestationOf));
  const problems: string[] = [];
  const notes: string[] = [];
  for (const span of run.unattributed)
    problems.push(`added: span ${describeSpan(span)} carries run id ${run.runId} but belongs to no attempt present`);
  if (run.ofDiedAttempts.length > 0)
    notes.push(
      `${run.ofDiedAttempts.length} span${run.ofDiedAttempts.length === 1 ? '' : 's'} of an attempt whose process died before it ended: not covered by any attestation`,
    );
  if (run.replays.length > 0)
    notes.push(
      `${run.replays.length} replay${run.replays.length === 1 ? '' : 's'} of the completed run (nothing executed, nothing signed)`,
    );
  return {
    runId: run.runId,
    name: run.name,
    ok: problems.length === 0 && attempts.every((attempt) => attempt.ok),
    attempts,
    problems,
    notes,
  };
}

function verifyAttempt(
  attempt: AttemptSpans,
  run: RunSpans,
  bySpanId: ReadonlyMap<string, TraceSpan>,
  attestationOf: (span: TraceSpan) => ReadAttestation,
): AttemptVerification {
  const read = attestationOf(attempt.runSpan);
  const checks: CheckResult[] = [read.signature];
  const statement = read.statement;
  if (statement !== undefined) {
    try {
      checks.push(checkStatement(statement, attempt));
      const { run: signed } = statement.predicate;
      if (signed.spanId === attempt.runSpan.spanId && signed.traceId === attempt.runSpan.traceId) {
        const coverage = coverageOf(statement, attempt);
        checks.push(
          checkManifest(statement, attempt, coverage),
          checkLedger(statement, attempt, coverage, bySpanId),
          checkChain(statement.predicate.previousAttempt, attempt, run, bySpanId, attestationOf),
        );
      } else {
        // What an attestation of another span says of its manifest and spans proves nothing about this one.
        for (const check of ['manifest', 'ledger', 'chain'] as const)
          checks.push(
            checkResult(check, 'not checked: the attestation is about another span', [
              'no attestation of this run span to check against',
            ]),
          );
      }
    } catch (error) {
      // A statement signed by a trusted key is well formed; one that is not makes a check fail, not the command.
      checks.push(
        checkResult('statement', 'malformed', [`the statement cannot be checked: ${(error as Error).message}`]),
      );
    }
  }

  return {
    attempt: attempt.attempt,
    traceId: attempt.runSpan.traceId,
    spanId: attempt.runSpan.spanId,
    keyId: read.keyId,
    ok: checks.every((check) => check.ok),
    checks,
  };
}

/**
 * A durable run's attempts are chained: each attestation names the attempt before it (from the
 * journal), which must be in the traces with a good attestation about that attempt — unless the
 * journal said its process died before ending it — and the run span links to it.
 */
function checkChain(
  previous: { attempt: number; traceId: string; spanId: string; ended: boolean } | null,
  attempt: AttemptSpans,
  run: RunSpans,
  bySpanId: ReadonlyMap<string, TraceSpan>,
  attestationOf: (span: TraceSpan) => ReadAttestation,
): CheckResult {
  if (previous === null) {
    const later = attempt.attempt > 1 ? ' (not a durable run: no journal to chain it)' : '';
    return checkResult('chain', `names no previous attempt${later}`, []);
  }
  const problems: string[] = [];
  const notes: string[] = [];
  if (previous.attempt !== attempt.attempt - 1)
    problems.push(`attempt ${attempt.attempt} names attempt ${previous.attempt} as the one before it`);
  if (!attempt.runSpan.links.some((link) => link.spanId === previous.spanId))
    problems.push(`the run span's link to attempt ${previous.attempt} (span ${previous.spanId}) was removed`);
  const span = bySpanId.get(previous.spanId);
  if (span === undefined) {
    if (previous.ended)
      problems.push(
        `attempt ${previous.attempt} (run span ${previous.spanId} of trace ${previous.traceId}) is missing from the traces, and the journal says it ended`,
      );
    else
      notes.push(
        `attempt ${previous.attempt} never ended (its process died, as the journal recorded): it signed nothing`,
      );
  } else {
    const before = run.attempts.find((candidate) => candidate.runSpan === span);
    const read = attestationOf(span);
    const about = read.statement?.predicate;
    if (before === undefined)
      problems.push(`span ${previous.spanId} named as attempt ${previous.attempt} is no run span of run ${run.runId}`);
    else if (!read.signature.ok)
      problems.push(`attempt ${previous.attempt}'s attestation is not good (${read.signature.problems.join('; ')})`);
    else if (
      about?.run.spanId !== previous.spanId ||
      about.manifest.attempt !== previous.attempt ||
      about.manifest.runId !== run.runId
    )
      problems.push(`the attestation on attempt ${previous.attempt}'s run span is not about that attempt`);
  }
  return checkResult(
    'chain',
    problems.length === 0 ? `follows attempt ${previous.attempt} (span ${previous.spanId})` : 'broken',
    problems,
    notes,
  );
}
