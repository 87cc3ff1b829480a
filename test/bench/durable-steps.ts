// `npm run bench:durable`: what a durable step costs on each store, against the same step in a run
// that is not durable, and against one model call through the instrumented `openai` client and the
// simulator over loopback HTTP. Prints µs per step (median of rounds, with the spread). Each store
// is measured in a process of its own, its journal where RUNPROOF_STORE says.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { instrumentOpenAI } from '@runproof/openai-adapter';
import { run, start, step } from '@runproof/core';
import { startSimulator } from '../simulator/simulator.ts';
import { storeKinds } from '../continuity/store-kinds.ts';

const STEPS = 200;
const ROUNDS = 7;

start({ traceExporters: ['none'], metricExporters: ['none'] });
const simulator = await startSimulator({ chunkDelayMs: 0, record: false });
const client = instrumentOpenAI(new OpenAI({ apiKey: 'bench', baseURL: simulator.url, maxRetries: 0 }));
const result = {
  invoice: 'INV-2291',
  vendor: 'ACME Office Supplies',
  amount: 1280.5,
  currency: 'EUR',
  lines: Array.from({ length: 8 }, (_, index) => ({ sku: `P-${index}`, quantity: index + 1 })),
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** µs per step of `work` over STEPS steps, each round a new run; median and range over ROUNDS. */
async function measure(
  label: string,
  durable: boolean,
  work: () => Promise<unknown>,
): Promise<{ label: string; median: number; min: number; max: number }> {
  const perStep: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const id = `bench-${label}-${round}-${process.pid}-${Date.now()}`;
    const started = performance.now();
    await run({ name: 'bench', id, durable }, async () => {
      for (let index = 0; index < STEPS; index++) await step('work', work);
    });
    if (round > 0) perStep.push(((performance.now() - started) * 1000) / STEPS); // round 0 warms up
  }
  return { label, median: median(perStep), min: Math.min(...perStep), max: Math.max(...perStep) };
}

if (process.env.RUNPROOF_STORE !== undefined) {
  // A child: one store.
  const row = await measure(`durable step, ${process.env.BENCH_STORE_KIND}`, true, async () => result);
  process.stdout.write(`${JSON.stringify(row)}\n`);
  process.exit(0);
}

const rows = [await measure('step, not durable', false, async () => result)];
const modelCall = await measure('one model call (openai → simulator), not durable', false, () =>
  client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Classify: ACME, 1,280.50 EUR' }],
  }),
);
for (const kind of storeKinds) {
  if (kind.skip) {
    process.stdout.write(`${kind.kind}: ${kind.skip}\n`);
    continue;
  }
  await kind.setUp();
  try {
    const output = execFileSync(process.execPath, [fileURLToPath(import.meta.url)], {
      env: { ...process.env, RUNPROOF_STORE: await kind.fresh(), BENCH_STORE_KIND: kind.kind, NODE_NO_WARNINGS: '1' },
      encoding: 'utf8',
    });
    rows.push(JSON.parse(output.trim().split('\n').at(-1)!) as (typeof rows)[number]);
  } finally {
    await kind.tearDown();
  }
}
rows.push(modelCall);
await simulator.close();

const bare = rows[0]!.median;
process.stdout.write(
  `\nDurable steps: µs per step (median of ${ROUNDS} rounds of ${STEPS} steps; min–max), a ${JSON.stringify(result).length}-byte result\n\n`,
);
process.stdout.write(
  '| step | µs per step | min–max | journal cost over a plain step | share of one model call |\n|---|---|---|---|---|\n',
);
for (const row of rows) {
  const journal = row.median - bare;
  const share = row.label.startsWith('durable') ? `${((journal / modelCall.median) * 100).toFixed(0)} %` : '';
  process.stdout.write(
    `| ${row.label} | ${row.median.toFixed(0)} | ${row.min.toFixed(0)}–${row.max.toFixed(0)} | ${row.label.startsWith('durable') ? journal.toFixed(0) : ''} | ${share} |\n`,
  );
}
process.exit(0);
