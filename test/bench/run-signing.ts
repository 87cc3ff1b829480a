// `npm run bench:evidence`: what signing a run costs (evidence on: the span ledger appended to at
// each span's end, one Ed25519 signature as the run span ends) against the same run unsigned, for
// runs of 10 and 100 steps; the envelope's size; and how long `runproof verify` takes on a file of
// signed runs. Prints µs per run (median of rounds, with the spread). Each configuration runs in a
// process of its own, with the run span processor and no exporter, so only Runproof's work counts.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Api from '@opentelemetry/api';
import type * as ContextAsyncHooks from '@opentelemetry/context-async-hooks';
import type * as Core from '@runproof/core';

/** The SDK core itself uses (its dependency, not the workspace's), with the little of its types used here. */
interface SpanProcessor {
  onStart(span: unknown, parentContext: unknown): void;
  onEnd(span: ReadableSpan): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}
interface ReadableSpan {
  events: { name: string; attributes?: Record<string, unknown> }[];
}
// Everything OpenTelemetry from where core resolves it: test/bench has its own, older install, for the peers.
const fromCore = createRequire(fileURLToPath(new URL('../../packages/core/package.json', import.meta.url)));
const { context, trace } = fromCore('@opentelemetry/api') as typeof Api;
const { AsyncLocalStorageContextManager } = fromCore('@opentelemetry/context-async-hooks') as typeof ContextAsyncHooks;
const { OtlpJsonFileExporter, resolveConfig, run, RunSpanProcessor, step } = (await import(
  fromCore.resolve('@runproof/core')
)) as typeof Core;
const sdk = fromCore('@opentelemetry/sdk-trace') as {
  TracerProvider: new (options: {
    spanProcessors: SpanProcessor[];
  }) => Api.TracerProvider & { shutdown(): Promise<void> };
  BatchSpanProcessor: new (options: { exporter: Core.OtlpJsonFileExporter }) => SpanProcessor;
};

const ROUNDS = 9;
const RUNS_PER_ROUND = 200;
const CLI = fileURLToPath(new URL('../../packages/core/dist/cli.js', import.meta.url));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Catches the envelope size as run spans end, to report it. */
class EnvelopeSize implements SpanProcessor {
  bytes = 0;
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    const envelope = span.events.find((event) => event.name === 'runproof.run.attestation')?.attributes?.[
      'runproof.attestation.envelope'
    ];
    if (typeof envelope === 'string') this.bytes = Buffer.byteLength(envelope);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

if (process.env.BENCH_STEPS !== undefined) {
  // A child: one configuration.
  const steps = Number(process.env.BENCH_STEPS);
  const evidence =
    process.env.BENCH_KEY === undefined
      ? undefined
      : resolveConfig({ traceExporters: ['none'], evidence: { key: process.env.BENCH_KEY } }).evidence;
  const size = new EnvelopeSize();
  const runSpanProcessor = new RunSpanProcessor({ evidence });
  // Time spent in the processor's own hooks: signing as the run span ends, appending as any span ends.
  const timed = { signing: [] as number[], appending: 0, spans: 0 };
  const onEnding = runSpanProcessor.onEnding.bind(runSpanProcessor);
  const onEnd = runSpanProcessor.onEnd.bind(runSpanProcessor);
  runSpanProcessor.onEnding = (span) => {
    const started = performance.now();
    onEnding(span);
    if (span.attributes['runproof.run.attempt'] !== undefined) timed.signing.push(performance.now() - started);
  };
  runSpanProcessor.onEnd = (span) => {
    const started = performance.now();
    onEnd(span);
    timed.appending += performance.now() - started;
    timed.spans += 1;
  };
  const processors: SpanProcessor[] = [runSpanProcessor, size];
  if (process.env.BENCH_TRACE_FILE !== undefined)
    processors.push(new sdk.BatchSpanProcessor({ exporter: new OtlpJsonFileExporter(process.env.BENCH_TRACE_FILE) }));
  const provider = new sdk.TracerProvider({ spanProcessors: processors });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  const work = { invoice: 'INV-2291', amount: 1280.5 };
  const once = () =>
    run({ name: 'bench', conditions: { prompt: 'triage-v3' } }, async () => {
      for (let index = 0; index < steps; index++) await step(`step-${index % 4}`, () => work);
    });
  if (process.env.BENCH_TRACE_FILE !== undefined) {
    for (let index = 0; index < Number(process.env.BENCH_RUNS); index++) await once();
    await provider.shutdown();
    process.exit(0);
  }
  const perRun: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    if (round === 1) Object.assign(timed, { signing: [], appending: 0, spans: 0 }); // round 0 warms up
    const started = performance.now();
    for (let index = 0; index < RUNS_PER_ROUND; index++) await once();
    if (round > 0) perRun.push(((performance.now() - started) * 1000) / RUNS_PER_ROUND);
  }
  const runEnd = median(timed.signing) * 1000;
  process.stdout.write(
    `${JSON.stringify({ median: median(perRun), min: Math.min(...perRun), max: Math.max(...perRun), envelopeBytes: size.bytes, runEnd, perSpan: (timed.appending * 1000) / timed.spans })}\n`,
  );
  process.exit(0);
}

const folder = mkdtempSync(join(tmpdir(), 'runproof-bench-evidence-'));
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicPath = join(folder, 'key.pub.pem');
writeFileSync(publicPath, publicKey.export({ type: 'spki', format: 'pem' }));

function child(env: Record<string, string>): {
  median: number;
  min: number;
  max: number;
  envelopeBytes: number;
  runEnd: number;
  perSpan: number;
} {
  const output = execFileSync(process.execPath, [fileURLToPath(import.meta.url)], {
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...env },
    encoding: 'utf8',
  });
  const last = output.trim().split('\n').at(-1);
  return (last ? JSON.parse(last) : {}) as ReturnType<typeof child>;
}

const ALTERNATIONS = 5;
process.stdout.write(
  `\nSigning a run: µs per run, the run span processor only, no exporter. Each configuration in its own process, ${ALTERNATIONS} processes each, unsigned and signed alternating; a process's figure is the median of ${ROUNDS} rounds of ${RUNS_PER_ROUND} runs; shown: the median process (min–max of the processes)\n\n`,
);
process.stdout.write(
  '| run | unsigned µs | signed µs | difference | signing as the run span ends | appending to the ledger, per span | envelope |\n|---|---|---|---|---|---|---|\n',
);
for (const steps of [1, 10, 100]) {
  const unsigned: number[] = [];
  const signed: ReturnType<typeof child>[] = [];
  for (let index = 0; index < ALTERNATIONS; index++) {
    unsigned.push(child({ BENCH_STEPS: String(steps) }).median);
    signed.push(child({ BENCH_STEPS: String(steps), BENCH_KEY: key }));
  }
  const spread = (values: number[]) =>
    `${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
  const signedRuns = signed.map((measured) => measured.median);
  process.stdout.write(
    `| ${steps} step${steps === 1 ? '' : 's'} (${steps + 1} spans) | ${spread(unsigned)} | ${spread(signedRuns)} | ${(median(signedRuns) - median(unsigned)).toFixed(0)} µs | ${spread(signed.map((measured) => measured.runEnd))} µs | ${median(signed.map((measured) => measured.perSpan)).toFixed(2)} µs | ${(signed[0]!.envelopeBytes / 1024).toFixed(1)} KiB |\n`,
  );
}

// runproof verify on a file of signed runs, as a user runs it (a process, reading the file).
process.stdout.write('\n| `runproof verify` of | file | wall time (median of 5) |\n|---|---|---|\n');
for (const [runs, steps] of [
  [1, 10],
  [100, 10],
  [20, 100],
] as const) {
  const file = join(folder, `traces-${runs}x${steps}.json`);
  child({ BENCH_STEPS: String(steps), BENCH_KEY: key, BENCH_TRACE_FILE: file, BENCH_RUNS: String(runs) });
  const times: number[] = [];
  for (let index = 0; index < 5; index++) {
    const started = performance.now();
    execFileSync(process.execPath, [CLI, 'verify', file, '--key', publicPath]);
    times.push(performance.now() - started);
  }
  process.stdout.write(
    `| ${runs} run${runs === 1 ? '' : 's'} of ${steps + 1} spans | ${(statSync(file).size / 1024).toFixed(0)} KiB | ${median(times).toFixed(0)} ms |\n`,
  );
}
rmSync(folder, { recursive: true, force: true });
