import { canonicalize } from '../identity/canonical-json.ts';
import type { CallConditions } from '../identity/manifest.ts';
import type { RunReport, SpanFinding } from './run-report.ts';
import type { VerifyResult } from './verify-types.ts';

/** A block of a report section, rendered the same way as Markdown and as HTML. */
export type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; header: string[]; rows: string[][] }
  | { kind: 'tree'; lines: { depth: number; name: string; facts: string[] }[] };

export interface Section {
  title: string;
  blocks: Block[];
}

/** The report as titled sections under a verification verdict, whatever it is rendered to. */
export interface ReportDocument {
  title: string;
  subtitle: string;
  verified: boolean;
  verdict: string;
  problems: string[];
  sections: Section[];
}

const short = (digest: string | null | undefined) => (digest ? `${digest.slice(0, 16)}…` : 'none');

/** Lays a run's report out as sections: the verdict first, then what the run was and what it did. */
export function reportDocument(report: RunReport, result: VerifyResult): ReportDocument {
  const verification = report.verification;
  const problems = [
    ...result.problems,
    ...(verification?.problems ?? []),
    ...(verification?.attempts ?? []).flatMap((attempt) =>
      attempt.checks.flatMap((check) =>
        check.problems.map((problem) => `attempt ${attempt.attempt}, ${check.check}: ${problem}`),
      ),
    ),
  ];
  const verified = verification?.ok === true && result.problems.length === 0;
  const keys = result.keys.map((key) => `${short(key.keyId)} (${key.source})`).join(', ');
  const verdict = verified
    ? `Signature, statement, manifest, ledger and chain checked for ${report.attempts.length} attempt${report.attempts.length === 1 ? '' : 's'}, signed by key ${keys}.`
    : `${problems.length} problem${problems.length === 1 ? '' : 's'} found${keys === '' ? '; no public key was given, so no signature was checked' : ` (trusted keys: ${keys})`}.`;
  const last = report.attempts.at(-1);
  const manifest = last?.manifest;
  const sections: Section[] = [];

  sections.push({
    title: 'Outcome',
    blocks: [
      {
        kind: 'table',
        header: ['', ''],
        rows: [
          [
            'outcome',
            last === undefined ? 'unknown' : `${last.outcome}${last.errorType ? ` (${last.errorType})` : ''}`,
          ],
          [
            'owners',
            `technical: ${report.owners.technical ?? 'none'} · operational: ${report.owners.operational ?? 'none'}`,
          ],
          ['attempts', attemptsLine(report)],
          ['model calls · tool calls', `${report.totals.modelCalls} · ${report.totals.toolCalls}`],
          ['tokens', `${report.totals.inputTokens} in, ${report.totals.outputTokens} out`],
          ['cost', costOf(report)],
        ],
      },
    ],
  });

  if (manifest !== undefined) {
    const declared = manifest.declared;
    sections.push({
      title: 'What it was',
      blocks: [
        {
          kind: 'table',
          header: ['condition', 'value'],
          rows: [
            ['run', declared.run],
            ['code version', declared.code.version ?? 'unknown'],
            ['Runproof', declared.runproof],
            ['policy', declared.policy === null ? 'none' : `${policyNames(report)} (digest ${short(declared.policy)})`],
            ['conditions', canonicalize(declared.conditions)],
            ['fingerprint (declared)', manifest.fingerprint],
            ['observed digest', manifest.observedDigest],
            ['models observed', manifest.observed.resolvedModels.join(', ') || 'none'],
            ['system fingerprints', manifest.observed.systemFingerprints.join(', ') || 'none'],
            ['tools called', manifest.observed.toolsCalled.join(', ') || 'none'],
          ],
        },
        {
          kind: 'table',
          header: ['call', 'step', 'parameters', 'library', 'prompt digests'],
          rows: declared.calls.map(callRow),
        },
      ],
    });
  }

  for (const attempt of report.attempts) {
    sections.push({
      title: `Attempt ${attempt.attempt}: ${attempt.continuation}, ${attempt.outcome}`,
      blocks: [
        {
          kind: 'paragraph',
          text: `Started ${attempt.startedAt}, ran ${(attempt.durationMs / 1000).toFixed(2)} s; run span ${attempt.spanId} of trace ${attempt.traceId}; evidence ${attempt.evidenceStatus ?? 'none'}.`,
        },
        { kind: 'tree', lines: attempt.tree },
      ],
    });
  }

  sections.push(findingsSection('Boundary decisions', report.boundary, 'No boundary was in force.'));
  sections.push(findingsSection('Validation', report.validations, 'Nothing was validated.'));
  sections.push(findingsSection('Drift', report.drift, 'No drift was seen.'));
  sections.push(findingsSection('Escalations', report.escalations, 'Nothing was escalated.'));
  sections.push(findingsSection('Handoffs', report.handoffs, 'The run was not handed off.'));
  sections.push(findingsSection('Business outcomes', report.outcomes, 'No outcome was recorded.'));
  sections.push({
    title: 'Verification',
    blocks: [
      {
        kind: 'table',
        header: ['attempt', 'check', 'result', 'summary'],
        rows: (verification?.attempts ?? []).flatMap((attempt) =>
          attempt.checks.map((check) => [
            String(attempt.attempt),
            check.check,
            check.ok ? 'ok' : 'FAILED',
            check.summary,
          ]),
        ),
      },
      ...(problems.length > 0 ? [{ kind: 'list' as const, items: problems }] : []),
      { kind: 'paragraph', text: `Read from ${result.files.join(', ')}.` },
    ],
  });

  return {
    title: `Run report: ${report.name || report.runId}`,
    subtitle: `run ${report.runId}`,
    verified,
    verdict,
    problems,
    sections,
  };
}

function attemptsLine(report: RunReport): string {
  const present = report.attempts.map((attempt) => attempt.attempt).join(', ');
  const absent = report.absentAttempts.map((attempt) =>
    attempt.ended
      ? `attempt ${attempt.attempt} is not in the traces`
      : `attempt ${attempt.attempt} never ended (its process died; it signed nothing)`,
  );
  return [`${report.attempts.length} in the traces (${present})`, ...absent].join('; ');
}

function callRow(call: CallConditions): string[] {
  const digests = [
    call.instructionsDigest && `instructions ${short(call.instructionsDigest)}`,
    call.templateDigest && `template ${short(call.templateDigest)}`,
    call.toolsDigest && `tools ${short(call.toolsDigest)}`,
    call.schemaDigest && `schema ${short(call.schemaDigest)}`,
  ].filter(Boolean);
  return [
    `${call.provider} ${call.operation} ${call.target ?? ''}`.trim(),
    call.step ?? '',
    call.parameters === undefined ? '' : canonicalize(call.parameters),
    call.library ?? '',
    digests.join(', '),
  ];
}

function policyNames(report: RunReport): string {
  const names = [...new Set(report.boundary.map((finding) => finding.details.policy).filter((name) => name))];
  return names.join(', ') || 'a policy';
}

function costOf(report: RunReport): string {
  const costs = report.boundary
    .filter((finding) => finding.details.violation === 'max_cost_usd')
    .map((finding) => finding.details.observed);
  return costs.length > 0
    ? `${costs.at(-1)} USD (as the cost budget counted it)`
    : 'not recorded on spans (a policy with maxCostUsd counts it)';
}

function findingsSection(title: string, findings: SpanFinding[], none: string): Section {
  if (findings.length === 0) return { title, blocks: [{ kind: 'paragraph', text: none }] };
  const keys = [...new Set(findings.flatMap((finding) => Object.keys(finding.details)))];
  return {
    title,
    blocks: [
      {
        kind: 'table',
        header: ['span', ...keys],
        rows: findings.map((finding) => [finding.span, ...keys.map((key) => finding.details[key] ?? '')]),
      },
    ],
  };
}
