// `npm run bench:drift`: what drift judging costs a call with the fleet's baselines in each store,
// against the same judging per process (no store) and with the store down. Each configuration is a
// process of its own, started with `start()` like an app, with RUNPROOF_STORE set or not:
//  - hot path: one `detectDrift` of a model call (resolved model, system fingerprint, output shape)
//    in steady state — 50 call fingerprints, each answering as its baseline — and one input check
//    of a checkpoint (the structure of a 313-byte invoice record), µs per call: what a call waits;
//  - off the path: the batch written every second (150 observations: 50 subjects × 3 kinds), and
//    the start-up read of the baselines, ms each.
// Prints a Markdown table; the numbers go in docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trace } from '@opentelemetry/api';
import { start } from '@runproof/core';
import { detectDrift } from '@runproof/core/adapter';
import { detectInputDrift } from '../../packages/core/dist/drift/input-drift.js';
import { flushDriftBaselines, preloadDriftBaselines } from '../../packages/core/dist/drift/fleet.js';
import { storeKinds } from '../continuity/store-kinds.ts';

const ROUNDS = 7;
const CALLS = 20_000;
const SUBJECTS = 50;
const DOWN = 'postgres://runproof:secret@127.0.0.1:1/runs';
const invoice = {
  invoice: 'INV-2291',
  vendor: 'ACME Office Supplies',
  amount: 1280.5,
  currency: 'EUR',
  lines: Array.from({ length: 8 }, (_, index) => ({ sku: `P-${index}`, quantity: index + 1 })),
};
const fingerprints = Array.from({ length: SUBJECTS }, (_, index) => index.toString(16).padStart(64, '0'));
const observed = {
  resolvedModel: 'gpt-4o-mini-2024-07-18',
  systemFingerprint: 'fp_27bebe765c',
  outputShape: 'dc1b211893c696a298608d817920d4eb9ec162a1ea8b9c901dab6539869d5889',
};

interface Row {
  label: string;
  call: number[];
  input: number[];
  flush: number[];
  preload: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const range = (values: number[], digits: number) =>
  `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;

async function measure(label: string): Promise<Row> {
  start({ traceExporters: ['none'], metricExporters: ['none'] });
  const preloadStarted = performance.now();
  await preloadDriftBaselines();
  const preload = performance.now() - preloadStarted;
  const tracer = trace.getTracer('bench');
  const span = tracer.startSpan('chat gpt-4o-mini');
  const row: Row = { label, call: [], input: [], flush: [], preload };
  // Round 0 warms up and, with a store, sets the baselines the later rounds compare with.
  for (let round = 0; round <= ROUNDS; round++) {
    let started = performance.now();
    for (let index = 0; index < CALLS; index++) detectDrift(span, fingerprints[index % SUBJECTS]!, observed);
    const call = ((performance.now() - started) * 1000) / CALLS;
    started = performance.now();
    for (let index = 0; index < CALLS; index++)
      detectInputDrift(span, { on: 'checkpoint', workflow: 'invoice-triage', name: 'invoice.fields' }, invoice);
    const input = ((performance.now() - started) * 1000) / CALLS;
    started = performance.now();
    await flushDriftBaselines();
    const flush = performance.now() - started;
    if (round === 0) continue;
    row.call.push(call);
    row.input.push(input);
    row.flush.push(flush);
  }
  span.end();
  return row;
}

if (process.env.BENCH_CHILD !== undefined) {
  process.stdout.write(`${JSON.stringify(await measure(process.env.BENCH_CHILD))}\n`);
  process.exit(0);
}

function child(label: string, store: string | undefined): Row {
  const env: Record<string, string | undefined> = {
    ...process.env,
    BENCH_CHILD: label,
    NODE_NO_WARNINGS: '1',
    RUNPROOF_STORE: store,
  };
  if (store === undefined) delete env.RUNPROOF_STORE;
  const output = execFileSync(process.execPath, [fileURLToPath(import.meta.url)], { env, encoding: 'utf8' });
  return JSON.parse(output.trim().split('\n').at(-1)!) as Row;
}

const rows = [child('no store: judged per process', undefined)];
for (const kind of storeKinds) {
  if (kind.skip) {
    process.stdout.write(`${kind.kind}: ${kind.skip}\n`);
    continue;
  }
  await kind.setUp();
  try {
    rows.push(child(`store: ${kind.kind}`, await kind.fresh()));
  } finally {
    await kind.tearDown();
  }
}
rows.push(child('store down (PostgreSQL refusing connections)', DOWN));

const base = median(rows[0]!.call);
process.stdout.write(
  `\nDrift judging: median of ${ROUNDS} rounds of ${CALLS} calls (min–max), ${SUBJECTS} call fingerprints in steady state\n\n`,
);
process.stdout.write(
  '| configuration | detectDrift µs per call | over no store | checkpoint input check µs per call | batch write every second, ms | start-up read, ms |\n|---|---|---|---|---|---|\n',
);
for (const row of rows) {
  const call = median(row.call);
  const flush = row.label.startsWith('store: ') ? `${median(row.flush).toFixed(2)} (${range(row.flush, 2)})` : '–';
  const preload = row.label.startsWith('store: ') ? row.preload.toFixed(0) : '–';
  process.stdout.write(
    `| ${row.label} | ${call.toFixed(2)} (${range(row.call, 2)}) | ${(call - base).toFixed(2)} | ${median(row.input).toFixed(2)} (${range(row.input, 2)}) | ${flush} | ${preload} |\n`,
  );
}
process.exit(0);
