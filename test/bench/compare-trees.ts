/**
 * Two versions of Runproof in one process, which the machine's load cannot split: this tree's and
 * another checkout's (`--other`, a built copy of the repository: `node test/bench/other-tree.ts
 * <commit>` makes one), each enabled in turn on the same `openai` client, in batches that alternate with the
 * uninstrumented client, a bare hand-written span and the hand-written span carrying this tree's
 * information (and the other tree's, when its bench exports `sameInformationWrappers`). Prints each
 * configuration's added CPU per call, Runproof's own work and the price of the information, and
 * this tree minus the other, as medians over the rounds with their interquartile ranges.
 *
 *   node --expose-gc --min-semi-space-size=16 --max-semi-space-size=16 test/bench/compare-trees.ts \
 *     --other /tmp/runproof-before [--workload chat] [--calls 1000] [--rounds 11] [--gc batch|none]
 *
 * `--gc batch` (the default) collects the heap before each batch, as the bench does; `none` leaves
 * the process to collect as it goes, a steady state (the bench's `--gc none`).
 */
import { metrics, trace } from '@opentelemetry/api';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startSimulator } from '../simulator/simulator.ts';
import { createCannedFetch, createResponder } from './canned-responses.ts';
import { requireFromBench } from './install.ts';
import { bareSpanWrappers, sameInformationWrappers } from './instrument.ts';
import { gcMode, recordWorkloadResponses } from './openai-bench.ts';
import { quantile } from './report.ts';
import { installTelemetry, type SpanProcessorLike } from './telemetry.ts';
import { findWorkload, NO_WRAPPERS, runCalls, type Wrappers } from './workloads.ts';

interface RunproofCopy {
  core: { run: (spec: unknown, work: () => Promise<unknown>) => Promise<unknown>; RunSpanProcessor: new () => unknown };
  adapter: { createInstrumentation: (config: Record<string, unknown>) => Instrumentation };
}

interface Instrumentation {
  setTracerProvider(provider: unknown): void;
  setMeterProvider(provider: unknown): void;
  enable(): void;
  disable(): void;
}

const { values } = parseArgs({
  options: {
    other: { type: 'string' },
    workload: { type: 'string', default: 'chat' },
    calls: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '11' },
    gc: { type: 'string', default: 'batch' },
  },
  strict: true,
});
if (values.other === undefined) throw new Error('--other <path of another built checkout> is required');
const collect = gcMode(values.gc);

const load = async (root: string, path: string): Promise<unknown> => import(pathToFileURL(join(root, path)).href);
const ours = {
  core: await import('@runproof/core'),
  adapter: await import('@runproof/openai-adapter'),
} as unknown as RunproofCopy;
const other = {
  core: await load(values.other, 'packages/core/dist/index.js'),
  adapter: await load(values.other, 'packages/openai-adapter/dist/index.js'),
} as RunproofCopy;
const otherBench = (await load(values.other, 'test/bench/instrument.ts')) as {
  sameInformationWrappers?: () => Promise<Wrappers>;
};

const simulator = await startSimulator({ chunkDelayMs: 0, record: false });
const canned = await recordWorkloadResponses(simulator.url);
await simulator.close();
const telemetry = installTelemetry([new ours.core.RunSpanProcessor() as SpanProcessorLike]);
const instrumentationOf = (copy: RunproofCopy): Instrumentation => {
  const instrumentation = copy.adapter.createInstrumentation({});
  instrumentation.setTracerProvider(trace.getTracerProvider());
  instrumentation.setMeterProvider(metrics.getMeterProvider());
  instrumentation.disable();
  return instrumentation;
};
// Created before `openai` is loaded: their module hooks patch it as it loads (then they are turned off until their turn).
const ourInstrumentation = instrumentationOf(ours);
const otherInstrumentation = instrumentationOf(other);
const workload = findWorkload(values.workload);
const respond = createResponder(canned[workload.id] ?? canned.chat);
const { OpenAI } = requireFromBench<{ OpenAI: new (options: Record<string, unknown>) => unknown }>('openai');
const client = new OpenAI({
  apiKey: 'bench',
  baseURL: 'https://api.openai.com/v1',
  maxRetries: 0,
  fetch: createCannedFetch(() => respond()),
});

const spec = {
  name: 'invoice-triage',
  owners: { technical: 'ml-platform', operational: 'accounts-payable' },
  conditions: { promptVersion: 'triage-v3' },
};
const runproof = (copy: RunproofCopy): Wrappers => ({
  call: (work) => work(),
  unit: (work) => copy.core.run(spec, work) as Promise<never>,
});
const configurations: Record<string, { instrumentation?: Instrumentation; wrappers: Wrappers }> = {
  off: { wrappers: NO_WRAPPERS },
  floor: { wrappers: bareSpanWrappers() },
  same: { wrappers: await sameInformationWrappers() },
  runproof: { instrumentation: ourInstrumentation, wrappers: runproof(ours) },
  other: { instrumentation: otherInstrumentation, wrappers: runproof(other) },
};
const otherSame = await otherBench.sameInformationWrappers?.();
if (otherSame !== undefined) configurations.otherSame = { wrappers: otherSame };

const calls = Math.max(1, Math.round(Number(values.calls) / workload.weight));
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? ((): void => {});
let enabled: Instrumentation | undefined;
async function batch(name: string, count: number): Promise<number> {
  const configuration = configurations[name]!;
  if (configuration.instrumentation !== enabled) {
    enabled?.disable();
    configuration.instrumentation?.enable();
    enabled = configuration.instrumentation;
  }
  if (collect === 'batch') collectGarbage();
  const started = process.cpuUsage();
  await runCalls(client as never, workload, count, 10, configuration.wrappers, false);
  await telemetry.flush();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / count;
}

const names = Object.keys(configurations);
for (const name of names) await batch(name, calls * 2);
const perCall: Record<string, number[]> = {};
for (let round = 0; round < Number(values.rounds); round += 1) {
  for (let index = 0; index < names.length; index += 1) {
    const name = names[(index + round) % names.length]!;
    (perCall[name] ??= []).push(await batch(name, calls));
  }
}
const difference = (a: string, b: string): number[] => perCall[a]!.map((value, round) => value - perCall[b]![round]!);
const line = (label: string, values: number[]): string =>
  `${label.padEnd(44)} ${quantile(values, 0.5).toFixed(1).padStart(7)} (${quantile(values, 0.25).toFixed(1)}…${quantile(values, 0.75).toFixed(1)})`;
const lines = [
  `${workload.label}: ${values.rounds} rounds of ${calls} calls, --gc ${collect}; no instrumentation ${quantile(perCall.off!, 0.5).toFixed(1)} µs/call`,
];
for (const name of names) if (name !== 'off') lines.push(line(`${name}: added`, difference(name, 'off')));
lines.push(line("this tree's own work (runproof − same)", difference('runproof', 'same')));
lines.push(line("this tree's price (same − floor)", difference('same', 'floor')));
if (perCall.otherSame !== undefined) {
  lines.push(line("the other's own work (other − otherSame)", difference('other', 'otherSame')));
  lines.push(line("the other's price (otherSame − floor)", difference('otherSame', 'floor')));
}
lines.push(line('this tree − the other', difference('runproof', 'other')));
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(0);
