/**
 * `npm run demo`: starts the OpenAI-compatible simulator, runs the invoice-triage app under
 * `--import @runproof/core/register`, silently moves the model alias to a new snapshot after the
 * first invoice (as providers do), then prints every run from the OTLP JSON trace file the app
 * wrote, and what changed between the first and the last run. Then one invoice as a durable run:
 * its process is killed after classifying, and a new process resumes it from the journal. Every
 * run is signed with a throwaway key made for the demo, and the command that verifies them is printed.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { diffManifests } from '@runproof/core';
import { startSimulator } from '../../test/simulator/simulator.ts';
import { formatRuns, readTraceFile } from './summary.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const outputDirectory = here('./out/');
rmSync(outputDirectory, { recursive: true, force: true });
mkdirSync(outputDirectory, { recursive: true });

const simulator = await startSimulator({ chunkDelayMs: 0 });
let durableCalls: number;
const shipping = process.env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined;

const store = `sqlite:${outputDirectory}runs.db`;

// A throwaway signing key: each run's span gets its signed attestation (docs/evidence.md).
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
writeFileSync(`${outputDirectory}signing-key.pem`, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
  mode: 0o600,
});
writeFileSync(`${outputDirectory}signing-key.pub.pem`, publicKey.export({ type: 'spki', format: 'pem' }));

async function runApp(app: string, file: string, extra: Record<string, string> = {}): Promise<number | null> {
  // Asynchronous on purpose: the simulator answers from this process's event loop.
  const child = spawn(process.execPath, ['--import', '@runproof/core/register', here(app)], {
    stdio: 'inherit',
    env: {
      ...process.env,
      ...extra,
      OPENAI_BASE_URL: simulator.url,
      OPENAI_API_KEY: 'demo-key',
      OTEL_SERVICE_NAME: process.env.OTEL_SERVICE_NAME ?? 'invoice-triage-demo',
      OTEL_TRACES_EXPORTER: shipping ? 'file,otlp' : 'file',
      OTEL_METRICS_EXPORTER: shipping ? 'otlp' : 'none',
      RUNPROOF_TRACES_FILE: `${outputDirectory}${file}`,
      RUNPROOF_CODE_VERSION: process.env.RUNPROOF_CODE_VERSION ?? 'demo',
      RUNPROOF_SIGNING_KEY_FILE: `${outputDirectory}signing-key.pem`,
    },
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

async function runBatch(file: string): Promise<void> {
  const code = await runApp('./invoice-triage.ts', file);
  if (code !== 0) throw new Error(`the demo app exited with ${code}`);
}

/** One invoice as a durable run: the process is killed after classifying, and a new one resumes it. */
async function crashAndResume(file: string): Promise<void> {
  const durable = { RUNPROOF_STORE: store, RUNPROOF_LEASE_MS: '1000', NODE_NO_WARNINGS: '1' };
  const crashed = await runApp('./durable-invoice.ts', file, { ...durable, CRASH_AFTER_CLASSIFY: '1' });
  if (crashed !== null) throw new Error(`the crashing run exited with ${crashed} instead of being killed`);
  await new Promise((resolve) => setTimeout(resolve, 1100)); // the dead process's lease expires
  const resumed = await runApp('./durable-invoice.ts', file, durable);
  if (resumed !== 0) throw new Error(`the resumed run exited with ${resumed}`);
}

// After the first invoice (four model calls), the provider silently moves the alias to a new snapshot.
const upgrade = setInterval(() => {
  if (simulator.requests.length < 4) return;
  simulator.setResolvedModel((requested) => `${requested}-2025-07-18`);
  simulator.setSystemFingerprint('fp_4fe6d1250b');
  clearInterval(upgrade);
}, 1);
try {
  await runBatch('traces.json');
  const before = simulator.requests.length;
  await crashAndResume('durable.json');
  durableCalls = simulator.requests.length - before;
} finally {
  clearInterval(upgrade);
  await simulator.close();
}

const runs = readTraceFile(readFileSync(`${outputDirectory}traces.json`, 'utf8'));
process.stdout.write(formatRuns(runs, 'Invoice triage'));

const first = runs.at(0)?.manifest;
const last = runs.at(-1)?.manifest;
if (first && last) {
  const sameFingerprint = first.fingerprint === last.fingerprint;
  process.stdout.write(
    `\nFirst and last run: declared conditions ${sameFingerprint ? 'identical' : 'differ'} (fingerprint ${first.fingerprint.slice(0, 12)}…); what diverged:\n`,
  );
  for (const difference of diffManifests(first, last)) {
    process.stdout.write(
      `  ${difference.path}: ${JSON.stringify(difference.before)} -> ${JSON.stringify(difference.after)}\n`,
    );
  }
}
const durableRuns = readTraceFile(readFileSync(`${outputDirectory}durable.json`, 'utf8'));
process.stdout.write(
  `\n${formatRuns(durableRuns, 'A durable run, killed after classifying and resumed by a new process')}`,
);
process.stdout.write(
  `The resumed attempt replayed what the killed one had journaled: ${durableCalls} model calls in all for both attempts.\n`,
);
process.stdout.write(`Its journal: npm run runproof -- runs show invoice-IC-4711 --store ${store}\n`);
process.stdout.write(
  `\nOTLP JSON written to ${outputDirectory}traces.json — open it in Jaeger: Search → Upload JSON file.\n`,
);
process.stdout.write(
  `Every run is signed (a throwaway key in ${outputDirectory}); check them: npm run runproof -- verify ${outputDirectory}traces.json ${outputDirectory}durable.json --key ${outputDirectory}signing-key.pub.pem\n`,
);
process.stdout.write(
  `What each workflow depends on, and the snapshot change with its time: npm run runproof -- inventory ${outputDirectory}traces.json\n`,
);
process.stdout.write(
  `Compare two runs yourself: npm run runproof -- manifests ${outputDirectory}traces.json, then npm run runproof -- diff ${outputDirectory}traces.json#<run id> ${outputDirectory}traces.json#<run id>\n(in an app with @runproof/core installed: npx runproof …)\n`,
);
