import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildRunReport } from './run-report.ts';
import type { PreviousAttempt } from './statement.ts';
import { reportDocument } from './report-document.ts';
import { renderHtml } from './report-html.ts';
import { renderMarkdown } from './report-markdown.ts';
import { CommandInputError, readTraceFiles, readVerificationKey } from './verify-command.ts';
import { indexAttested, verifyTraces } from './verify.ts';

export const REPORT_USAGE = 'runproof report <traces.json…> --run <id> [--key public.pem]… [--html report.html]';

/**
 * `runproof report`: one run's evidence report for an auditor, the verification result first —
 * Markdown on stdout, and a self-contained HTML file with `--html`. Exit 0 when the run verified,
 * 1 when it did not (the report is written either way), 2 for a usage or input problem.
 */
export function reportCommand(operands: string[], write: (text: string) => void): number {
  const { values, positionals } = parseArgs({
    args: operands,
    allowPositionals: true,
    options: { run: { type: 'string' }, key: { type: 'string', multiple: true }, html: { type: 'string' } },
  });
  if (positionals.length === 0 || values.run === undefined) throw new CommandInputError(`usage: ${REPORT_USAGE}`);
  const runId = values.run;
  const keys = (values.key ?? []).map(readVerificationKey);
  const spans = readTraceFiles(positionals);
  const { index, attestationOf } = indexAttested(spans, keys);
  const run = index.runs.find((candidate) => candidate.runId === runId && candidate.attempts.length > 0);
  if (run === undefined) throw new CommandInputError(`the traces hold no run ${runId}`);
  const result = verifyTraces(spans, { keys, runId, files: positionals });
  // Attempts the chain names that the files do not hold: died before ending, or left out.
  const absent: PreviousAttempt[] = [];
  for (const attempt of run.attempts) {
    const previous = attestationOf(attempt.runSpan).statement?.predicate.previousAttempt;
    if (previous != null && !index.bySpanId.has(previous.spanId)) absent.push(previous);
  }
  const document = reportDocument(buildRunReport(run, result.runs[0], absent), result);
  write(renderMarkdown(document));
  if (values.html !== undefined) writeFileSync(values.html, renderHtml(document));
  return document.verified ? 0 : 1;
}
