#!/usr/bin/env node
/**
 * `runproof` command line: read run manifests out of OTLP JSON trace files (what the `file`
 * exporter writes, or a Jaeger/Collector export) and compare two runs.
 *
 *   runproof manifests traces.json            list the runs in a file
 *   runproof diff a.json[#runId] b.json[#runId]  name the conditions that differ (exit 1 if any)
 *   runproof runs [--store URL] [--status S] [--json]   durable runs and where they stand
 *   runproof runs show <id> [--store URL] [--json]     one run's attempts, steps, usage, handoffs
 *   runproof verify <traces…> [--key public.pem] [--run <id>] [--json]  check signed runs (exit 1 on any failure)
 *   runproof report <traces…> --run <id> [--key public.pem] [--html out.html]  an auditor's report of one run
 *   runproof inventory <traces…> | --store URL  [--since 7d] [--json]  what each workflow depends on, and what changed
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { diffManifests, type ManifestDifference, type RunManifest } from './identity/manifest.ts';
import { readManifests } from './identity/trace-file.ts';
import type { RunStatus } from './continuity/journal.ts';
import { describeRun, formatRunDetail, formatRunTable } from './continuity/runs-listing.ts';
import { DEFAULT_STORE } from './continuity/durability.ts';
import { openStore } from './continuity/open-store.ts';
import { VERIFY_USAGE, verifyCommand } from './evidence/verify-command.ts';
import { REPORT_USAGE, reportCommand } from './evidence/report-command.ts';
import { INVENTORY_USAGE, inventoryCommand } from './drift/inventory-command.ts';
import { readTraceFile } from './evidence/trace-file-reader.ts';
import type { TraceSpan } from './evidence/trace-span.ts';
import { forEachTraceDocument } from './drift/trace-documents.ts';

function pickManifest(reference: string): RunManifest {
  const [path = '', runId] = reference.split('#');
  const manifests = readManifests(readFileSync(path, 'utf8'));
  const found = runId === undefined ? manifests.at(-1) : manifests.find((manifest) => manifest.runId === runId);
  if (found === undefined)
    throw new Error(runId === undefined ? `${path} holds no run manifest` : `${path} holds no run ${runId}`);
  return found;
}

/** One line per difference, e.g. `~ declared.calls[chat gpt-4o-mini].parameters.temperature: 0 -> 0.7`. */
export function formatDifferences(differences: ManifestDifference[]): string {
  const show = (value: unknown) => JSON.stringify(value);
  return differences
    .map((difference) => {
      if (difference.kind === 'added') return `+ ${difference.path}: ${show(difference.after)}`;
      if (difference.kind === 'removed') return `- ${difference.path}: ${show(difference.before)}`;
      return `~ ${difference.path}: ${show(difference.before)} -> ${show(difference.after)}`;
    })
    .join('\n');
}

const STATUSES: readonly RunStatus[] = ['in_progress', 'completed', 'failed', 'halted', 'escalated', 'handed_off'];
const USAGE = [
  'usage: runproof manifests <traces.json>',
  '       runproof diff <a.json[#runId]> <b.json[#runId]>',
  '       runproof runs [--store URL] [--status in_progress|completed|failed|halted|escalated|handed_off] [--limit N] [--json]',
  '       runproof runs show <id> [--store URL] [--json]',
  `       ${VERIFY_USAGE}`,
  `       ${REPORT_USAGE}`,
  `       ${INVENTORY_USAGE}`,
  '(the store defaults to RUNPROOF_STORE, else sqlite:./runproof-runs.db)',
].join('\n');

async function runs(operands: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: operands,
    allowPositionals: true,
    options: {
      store: { type: 'string' },
      status: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const status = values.status as RunStatus | undefined;
  if (status !== undefined && !STATUSES.includes(status))
    throw new Error(`--status must be one of ${STATUSES.join(', ')}`);
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
    throw new Error('--limit must be a positive integer');
  const store = await openStore(values.store ?? process.env.RUNPROOF_STORE ?? DEFAULT_STORE, {
    field: values.store === undefined ? 'RUNPROOF_STORE' : '--store',
  });
  try {
    if (positionals[0] === 'show' && positionals.length === 2) {
      const journal = await store.read(positionals[1]!);
      if (journal === undefined) throw new Error(`the store holds no run ${JSON.stringify(positionals[1])}`);
      process.stdout.write(values.json ? `${JSON.stringify(journal, null, 2)}\n` : `${formatRunDetail(journal)}\n`);
      return 0;
    }
    if (positionals.length > 0) throw new Error(USAGE);
    const lines = (await store.list({ status, limit })).map(describeRun);
    process.stdout.write(values.json ? `${JSON.stringify(lines, null, 2)}\n` : `${formatRunTable(lines)}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

/** Every span of a trace file; one too large to read whole is read a document at a time. */
function readInventorySpans(path: string): TraceSpan[] {
  const spans: TraceSpan[] = [];
  forEachTraceDocument(path, (text) => {
    // One by one: spreading a large document's spans into push() would overflow the stack.
    for (const span of readTraceFile(text, path)) spans.push(span);
  });
  return spans;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...operands] = argv;
  if (command === 'runs') return runs(operands);
  if (command === 'verify') return verifyCommand(operands, (text) => process.stdout.write(text));
  if (command === 'report') return reportCommand(operands, (text) => process.stdout.write(text));
  if (command === 'inventory') {
    return inventoryCommand(operands, { write: (text) => process.stdout.write(text), readSpans: readInventorySpans });
  }
  if (command === 'manifests' && operands.length === 1) {
    for (const manifest of readManifests(readFileSync(operands[0]!, 'utf8'))) {
      process.stdout.write(
        `${manifest.runId}  ${manifest.declared.run}  attempt ${manifest.attempt}  fingerprint ${manifest.fingerprint.slice(0, 16)}…\n`,
      );
    }
    return 0;
  }
  if (command === 'diff' && operands.length === 2) {
    const [before, after] = operands.map(pickManifest) as [RunManifest, RunManifest];
    const differences = diffManifests(before, after);
    process.stdout.write(differences.length === 0 ? 'same conditions\n' : `${formatDifferences(differences)}\n`);
    return differences.length === 0 ? 0 : 1;
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // A reader that stops early (`| head`) is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`runproof: ${(error as Error).message}\n`);
      process.exitCode = 2;
    },
  );
}
