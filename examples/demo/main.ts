/**
 * `npm run demo`: starts the OpenAI-compatible simulator, runs the invoice-triage app twice under
 * `--import @runproof/core/register` (the second time after a silent upstream model update), then
 * prints every run from the OTLP JSON trace file the app wrote and what changed between batches.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { diffManifests } from '@runproof/core';
import { startSimulator } from '../../test/simulator/simulator.ts';
import { formatRuns, readTraceFile } from './summary.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const outputDirectory = here('./out/');
rmSync(outputDirectory, { recursive: true, force: true });
mkdirSync(outputDirectory, { recursive: true });

const simulator = await startSimulator({ chunkDelayMs: 0 });
const shipping = process.env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined;

async function runBatch(file: string): Promise<void> {
  // Asynchronous on purpose: the simulator answers from this process's event loop.
  const child = spawn(process.execPath, ['--import', '@runproof/core/register', here('./invoice-triage.ts')], {
    stdio: 'inherit',
    env: {
      ...process.env,
      OPENAI_BASE_URL: simulator.url,
      OPENAI_API_KEY: 'demo-key',
      OTEL_SERVICE_NAME: process.env.OTEL_SERVICE_NAME ?? 'invoice-triage-demo',
      OTEL_TRACES_EXPORTER: shipping ? 'file,otlp' : 'file',
      OTEL_METRICS_EXPORTER: shipping ? 'otlp' : 'none',
      RUNPROOF_TRACES_FILE: `${outputDirectory}${file}`,
      RUNPROOF_CODE_VERSION: process.env.RUNPROOF_CODE_VERSION ?? 'demo',
    },
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`the demo app exited with ${code}`);
}

try {
  await runBatch('traces.json');
  // The provider silently moves the alias to a new snapshot: same declared conditions, new observed ones.
  simulator.setResolvedModel((requested) => `${requested}-2025-07-18`);
  await runBatch('traces-after-model-update.json');
} finally {
  await simulator.close();
}

const before = readTraceFile(readFileSync(`${outputDirectory}traces.json`, 'utf8'));
const after = readTraceFile(readFileSync(`${outputDirectory}traces-after-model-update.json`, 'utf8'));
process.stdout.write(formatRuns(before, 'Batch 1'));
process.stdout.write(formatRuns(after, 'Batch 2, after a silent upstream model update'));

const first = before.at(0)?.manifest;
const last = after.at(-1)?.manifest;
if (first && last) {
  const sameFingerprint = first.fingerprint === last.fingerprint;
  process.stdout.write(`\nDeclared conditions ${sameFingerprint ? 'identical' : 'differ'} (fingerprint ${first.fingerprint.slice(0, 12)}…${sameFingerprint ? '' : ` vs ${last.fingerprint.slice(0, 12)}…`}); what diverged:\n`);
  for (const difference of diffManifests(first, last)) {
    process.stdout.write(`  ${difference.path}: ${JSON.stringify(difference.before)} -> ${JSON.stringify(difference.after)}\n`);
  }
}
process.stdout.write(`\nOTLP JSON written to ${outputDirectory}traces.json — open it in Jaeger: Search → Upload JSON file.\n`);
process.stdout.write(`Compare runs yourself: npx runproof diff ${outputDirectory}traces.json ${outputDirectory}traces-after-model-update.json\n`);
