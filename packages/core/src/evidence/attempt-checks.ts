import { canonicalize, digest, sha256 } from '../identity/canonical-json.ts';
import { diffManifests, type RunManifest } from '../identity/manifest.ts';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
  ATTR_RUNPROOF_CALL_FINGERPRINT,
  ATTR_RUNPROOF_MANIFEST,
  ATTR_RUNPROOF_MANIFEST_TRUNCATED,
  ATTR_RUNPROOF_RUN_FINGERPRINT,
  ATTR_RUNPROOF_RUN_ID,
  ATTR_RUNPROOF_RUN_OBSERVED_DIGEST,
  EVENT_RUNPROOF_RUN_MANIFEST,
  GEN_AI_OPERATION_VALUE_EXECUTE_TOOL,
} from '../semconv.ts';
import type { AttemptSpans } from './run-index.ts';
import { attributeDigest, wellFormed } from './span-digest.ts';
import { entryDigest, overflowDigest, subjectName, type LedgerEntry, type RunStatement } from './statement.ts';
import type { TraceSpan } from './trace-span.ts';
import { checkResult, type CheckResult } from './verify-types.ts';

/** `"step extract" (4bf92f3577b34da6)`: how a span is named in findings. */
export function describeSpan(span: { name: string; spanId: string }): string {
  return `"${span.name}" (${span.spanId})`;
}

/** The span as a ledger entry, for comparing it with the signed one. */
export function entryOf(span: TraceSpan): LedgerEntry {
  return {
    spanId: span.spanId,
    parentId: span.parentSpanId,
    name: span.name,
    status: span.status,
    digest: attributeDigest(span.attributes, span.events),
  };
}

/**
 * The spans of an attempt its attestation speaks for, and those it cannot: spans of other services
 * (the run's process signs only its own) and the spans the ledger signed as still open when the
 * run ended (a stream the caller read after `run()` returned, say). A listed span is always checked.
 */
export interface AttemptCoverage {
  /** Spans the attestation covers: listed in its ledger, or to be accounted for by it. */
  covered: TraceSpan[];
  /** Unlisted spans of other services. */
  elsewhere: TraceSpan[];
  /** Spans of the run's service the ledger signed as still open when the run ended. */
  late: TraceSpan[];
}

/** Sorts an attempt's spans by what its attestation can say of them. */
export function coverageOf(statement: RunStatement, attempt: AttemptSpans): AttemptCoverage {
  const listed = new Set(statement.predicate.ledger.spans.map((entry) => entry.spanId));
  const open = new Set(statement.predicate.ledger.open ?? []);
  const coverage: AttemptCoverage = { covered: [], elsewhere: [], late: [] };
  for (const span of attempt.spans) {
    if (listed.has(span.spanId)) coverage.covered.push(span);
    else if (span.service !== statement.predicate.run.service) coverage.elsewhere.push(span);
    else if (open.has(span.spanId)) coverage.late.push(span);
    else coverage.covered.push(span);
  }
  return coverage;
}

function describeSpans(spans: readonly TraceSpan[]): string {
  const shown = spans.slice(0, 5).map(describeSpan).join(', ');
  return spans.length > 5 ? `${shown} and ${spans.length - 5} more` : shown;
}

/** What differs between a signed entry and the span now: `[]` when nothing does. */
function entryChanges(signed: LedgerEntry, now: LedgerEntry): string[] {
  const changes: string[] = [];
  if (wellFormed(signed.name) !== wellFormed(now.name)) changes.push(`name "${signed.name}" -> "${now.name}"`);
  if (signed.parentId !== now.parentId)
    changes.push(`parent ${signed.parentId ?? 'none'} -> ${now.parentId ?? 'none'} (moved under another parent)`);
  if (signed.status !== now.status) changes.push(`status ${signed.status} -> ${now.status}`);
  if (signed.digest !== now.digest) changes.push('its Runproof/GenAI attributes or events differ from what was signed');
  return changes;
}

/** The statement is about this run span, this run and attempt, and this manifest; the run span is as signed. */
export function checkStatement(statement: RunStatement, attempt: AttemptSpans): CheckResult {
  const problems: string[] = [];
  const span = attempt.runSpan;
  const { manifest, run } = statement.predicate;
  const runId = span.attributes[ATTR_RUNPROOF_RUN_ID] as string;
  if (run.spanId !== span.spanId || run.traceId !== span.traceId) {
    problems.push(
      `the attestation was made for another span: ${describeSpan(run)} of trace ${run.traceId}, run ${manifest.runId} attempt ${manifest.attempt} — pasted onto this run span`,
    );
  } else {
    for (const change of entryChanges(run, entryOf(span)))
      problems.push(`changed: run span ${describeSpan(span)}: ${change}`);
  }
  if (statement.subject[0]?.name !== subjectName(runId) || manifest.runId !== runId)
    problems.push(`the attestation is about run ${manifest.runId}, not run ${runId}`);
  if (manifest.attempt !== attempt.attempt)
    problems.push(
      `the attestation is about attempt ${manifest.attempt}, and this run span is attempt ${attempt.attempt}`,
    );
  if (statement.subject[0]?.digest?.sha256 !== sha256(canonicalize(manifest)))
    problems.push('the subject digest is not the SHA-256 of the signed manifest');
  return checkResult(
    'statement',
    problems.length === 0
      ? `about this run span, run ${runId} attempt ${attempt.attempt}`
      : 'does not match this run span',
    problems,
  );
}

/**
 * The manifest against the spans: digests recomputed, the manifest event as signed, every call's
 * fingerprint declared, every observed model and fingerprint in the observed conditions — for the
 * spans the attestation covers (a downstream service's calls are its own).
 */
export function checkManifest(statement: RunStatement, attempt: AttemptSpans, coverage: AttemptCoverage): CheckResult {
  const problems: string[] = [];
  const notes: string[] = [];
  const manifest = statement.predicate.manifest;
  const span = attempt.runSpan;
  if (digest(manifest.declared) !== manifest.fingerprint)
    problems.push('the signed fingerprint is not the digest of the signed declared conditions');
  if (digest(manifest.observed) !== manifest.observedDigest)
    problems.push('the signed observed digest is not the digest of the signed observed conditions');
  for (const [attribute, signed] of [
    [ATTR_RUNPROOF_RUN_FINGERPRINT, manifest.fingerprint],
    [ATTR_RUNPROOF_RUN_OBSERVED_DIGEST, manifest.observedDigest],
  ] as const) {
    if (span.attributes[attribute] !== signed)
      problems.push(
        `${attribute} on the run span is ${JSON.stringify(span.attributes[attribute] ?? null)}; the signed manifest's is ${signed}`,
      );
  }
  problems.push(...checkManifestEvent(span, manifest, statement.subject[0]?.digest?.sha256 ?? ''));

  const declared = new Set(manifest.declared.calls.map((call) => digest(call)));
  const seen = { models: new Set<string>(), fingerprints: new Set<string>() };
  let calls = 0;
  // A model call that ended after the run may have answered after the manifest was signed: its
  // models count as shown, but what it says is not held against the manifest.
  const lateCalls = coverage.late.filter((span) => typeof span.attributes[ATTR_RUNPROOF_CALL_FINGERPRINT] === 'string');
  if (lateCalls.length > 0)
    notes.push(
      `${lateCalls.length} call span${lateCalls.length === 1 ? '' : 's'} still open when the run ended (${describeSpans(lateCalls)}): not checked against the manifest signed then`,
    );
  for (const call of coverage.late) {
    const model = call.attributes[ATTR_GEN_AI_RESPONSE_MODEL];
    if (typeof model === 'string') seen.models.add(model);
    const systemFingerprint = call.attributes[ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT];
    if (typeof systemFingerprint === 'string') seen.fingerprints.add(systemFingerprint);
  }
  // Calls of other services (the run id reached them in baggage) are theirs: not in this manifest.
  for (const call of coverage.covered) {
    const fingerprint = call.attributes[ATTR_RUNPROOF_CALL_FINGERPRINT];
    if (typeof fingerprint === 'string') {
      calls += 1;
      if (!declared.has(fingerprint))
        problems.push(
          `${ATTR_RUNPROOF_CALL_FINGERPRINT} of ${describeSpan(call)} is ${fingerprint}, which no call of the signed manifest has`,
        );
    }
    const model = call.attributes[ATTR_GEN_AI_RESPONSE_MODEL];
    if (typeof model === 'string') {
      seen.models.add(model);
      if (!manifest.observed.resolvedModels.includes(model))
        problems.push(
          `${ATTR_GEN_AI_RESPONSE_MODEL} of ${describeSpan(call)} is "${model}", not among the models the signed manifest observed (${manifest.observed.resolvedModels.join(', ') || 'none'})`,
        );
    }
    const systemFingerprint = call.attributes[ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT];
    if (typeof systemFingerprint === 'string') {
      seen.fingerprints.add(systemFingerprint);
      if (!manifest.observed.systemFingerprints.includes(systemFingerprint))
        problems.push(
          `${ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT} of ${describeSpan(call)} is "${systemFingerprint}", not among those the signed manifest observed`,
        );
    }
    const tool = call.attributes[ATTR_GEN_AI_TOOL_NAME];
    if (
      call.attributes[ATTR_GEN_AI_OPERATION_NAME] === GEN_AI_OPERATION_VALUE_EXECUTE_TOOL &&
      typeof tool === 'string' &&
      !manifest.observed.toolsCalled.includes(tool)
    ) {
      problems.push(`tool span ${describeSpan(call)} ran "${tool}", which the signed manifest does not list as called`);
    }
  }
  for (const model of manifest.observed.resolvedModels)
    if (!seen.models.has(model))
      problems.push(`the signed manifest observed model "${model}", which no span of this attempt shows`);
  for (const value of manifest.observed.systemFingerprints)
    if (!seen.fingerprints.has(value))
      notes.push(`system fingerprint "${value}" of the manifest is on no span present`);
  const summary = `fingerprint and observed digest recomputed; ${calls} call span${calls === 1 ? '' : 's'} against ${manifest.declared.calls.length} declared condition${manifest.declared.calls.length === 1 ? '' : 's'}`;
  return checkResult('manifest', summary, problems, notes);
}

function checkManifestEvent(span: TraceSpan, manifest: RunManifest, subjectDigest: string): string[] {
  const events = span.events.filter((candidate) => candidate.name === EVENT_RUNPROOF_RUN_MANIFEST);
  // One manifest is signed; a second one beside it would be read by whoever reads the last.
  if (events.length > 1)
    return [`the run span carries ${events.length} manifest events; the run signed one, and the others were added`];
  const event = events[0];
  const text = event?.attributes[ATTR_RUNPROOF_MANIFEST];
  if (typeof text !== 'string') return ['the run span has no manifest event'];
  const truncated = event!.attributes[ATTR_RUNPROOF_MANIFEST_TRUNCATED] === true;
  if (truncated ? canonicalize(manifest).startsWith(text) : sha256(text) === subjectDigest) return [];
  let shown: RunManifest | undefined;
  try {
    shown = JSON.parse(text) as RunManifest;
  } catch {
    // A cut manifest that is not a prefix of the signed one: nothing to compare field by field.
  }
  const differences =
    shown === undefined
      ? []
      : diffManifests(manifest, shown).map(
          (difference) =>
            `${difference.path}: ${JSON.stringify(difference.before)} -> ${JSON.stringify(difference.after)}`,
        );
  return [
    `the manifest event was edited after signing${differences.length > 0 ? `: ${differences.join('; ')}` : ' (its SHA-256 is not the subject digest)'}`,
  ];
}

/**
 * The ledger against the spans present: each signed span there and unchanged, no span of the run
 * (from the run's own service) that the ledger does not list or account for in its overflow.
 */
export function checkLedger(
  statement: RunStatement,
  attempt: AttemptSpans,
  coverage: AttemptCoverage,
  bySpanId: ReadonlyMap<string, TraceSpan>,
): CheckResult {
  const problems: string[] = [];
  const notes: string[] = [];
  const { ledger } = statement.predicate;
  const listed = new Set<string>();
  let present = 0;
  for (const entry of ledger.spans) {
    listed.add(entry.spanId);
    const span = bySpanId.get(entry.spanId);
    if (span === undefined) {
      problems.push(`missing: span ${describeSpan(entry)} was signed but is not in the traces`);
      continue;
    }
    present += 1;
    const changes = entryChanges(entry, entryOf(span));
    // A span is in its parent's trace: one moved to another trace (out of the run's, as a trace
    // viewer shows it) keeps its signed parent id, and is told by this.
    const parent = entry.parentId === null ? undefined : bySpanId.get(entry.parentId);
    if (parent !== undefined && parent.traceId !== span.traceId)
      changes.push(`trace ${parent.traceId} -> ${span.traceId} (moved out of its parent's trace)`);
    if (changes.length > 0) problems.push(`changed: span ${describeSpan(entry)}: ${changes.join('; ')}`);
  }
  const own = coverage.covered.filter((span) => !listed.has(span.spanId));
  const { elsewhere, late } = coverage;
  if (ledger.overflow !== undefined) {
    const digests = own.map((span) => entryDigest(entryOf(span)));
    if (digests.length !== ledger.overflow.count || overflowDigest(digests) !== ledger.overflow.digest) {
      problems.push(
        `the ${digests.length} span${digests.length === 1 ? '' : 's'} past the ledger's list do not match its overflow (${ledger.overflow.count} signed spans by count and digest): a span past the list was added, removed or changed`,
      );
    }
  } else {
    for (const span of own)
      problems.push(`added: span ${describeSpan(span)} carries the run's id but is not in the signed ledger`);
  }
  const services = [...new Set(elsewhere.map((span) => span.service ?? 'unknown'))];
  if (elsewhere.length > 0)
    notes.push(
      `${elsewhere.length} span${elsewhere.length === 1 ? '' : 's'} of other services (${services.join(', ')}) ${elsewhere.length === 1 ? 'carries' : 'carry'} the run id and ${elsewhere.length === 1 ? 'is' : 'are'} not covered: the run's process signed only its own spans`,
    );
  if (late.length > 0)
    notes.push(
      `${late.length} span${late.length === 1 ? '' : 's'} of the run ${late.length === 1 ? 'was' : 'were'} still open when it ended (${describeSpans(late)}) and ${late.length === 1 ? 'is' : 'are'} not covered: the attestation was made as the run ended`,
    );
  const overflow = ledger.overflow === undefined ? '' : ` + ${ledger.overflow.count} past the list`;
  return checkResult(
    'ledger',
    `${ledger.spans.length} signed span${ledger.spans.length === 1 ? '' : 's'}${overflow}, ${present + own.length} present`,
    problems,
    notes,
  );
}
