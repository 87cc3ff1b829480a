#!/usr/bin/env node
/**
 * `runproof` command line: read run manifests out of OTLP JSON trace files (what the `file`
 * exporter writes, or a Jaeger/Collector export) and compare two runs.
 *
 *   runproof manifests traces.json            list the runs in a file
 *   runproof diff a.json[#runId] b.json[#runId]  name the conditions that differ (exit 1 if any)
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { diffManifests, type ManifestDifference, type RunManifest } from './identity/manifest.ts';
import { readManifests } from './identity/trace-file.ts';

function pickManifest(reference: string): RunManifest {
  const [path = '', runId] = reference.split('#');
  const manifests = readManifests(readFileSync(path, 'utf8'));
  const found = runId === undefined ? manifests.at(-1) : manifests.find((manifest) => manifest.runId === runId);
  if (found === undefined) throw new Error(runId === undefined ? `${path} holds no run manifest` : `${path} holds no run ${runId}`);
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

function main(argv: string[]): number {
  const [command, ...operands] = argv;
  if (command === 'manifests' && operands.length === 1) {
    for (const manifest of readManifests(readFileSync(operands[0]!, 'utf8'))) {
      process.stdout.write(`${manifest.runId}  ${manifest.declared.run}  attempt ${manifest.attempt}  fingerprint ${manifest.fingerprint.slice(0, 16)}…\n`);
    }
    return 0;
  }
  if (command === 'diff' && operands.length === 2) {
    const [before, after] = operands.map(pickManifest) as [RunManifest, RunManifest];
    const differences = diffManifests(before, after);
    process.stdout.write(differences.length === 0 ? 'same conditions\n' : `${formatDifferences(differences)}\n`);
    return differences.length === 0 ? 0 : 1;
  }
  process.stderr.write('usage: runproof manifests <traces.json>\n       runproof diff <a.json[#runId]> <b.json[#runId]>\n');
  return 2;
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // A reader that stops early (`| head`) is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`runproof: ${(error as Error).message}\n`);
    process.exitCode = 2;
  }
}
