/**
 * `npm run bench`: what each OpenAI instrumentation costs per call, measured against the same
 * `openai` client calling the simulator (its own process) with no instrumentation.
 *
 *   node test/bench/run.ts [--rounds 9] [--calls 150] [--warmup 150] [--calls-per-run 10]
 *                          [--configurations runproof,otel,…] [--workloads chat,stream,…]
 *                          [--content] [--profile runproof,baseline] [--node-flags=--single-threaded-gc]
 *                          [--json out.json]
 *
 * Every configuration runs in its own child process; rounds are interleaved (each round runs every
 * workload on every configuration, in an order that rotates), so drift on the machine spreads over
 * all of them. See docs/benchmarks.md for how to read the output.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CONFIGURATIONS, findConfiguration, instanceKey, type Configuration, type Instance, type OpenAIMajor } from './configurations.ts';
import { ensureBenchDependencies, ensureWorkspaceBuild, WORKSPACE_DIRECTORY } from './install.ts';
import { ConfigurationProcess, startSimulatorProcess, type ChildOptions } from './processes.ts';
import { emptyMeasurement, formatHeapTable, formatWorkloadTable, toRow, type Measurement, type Row } from './report.ts';
import { judgeTargets } from './targets.ts';
import { findWorkload, WORKLOADS, type Workload } from './workloads.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '9' },
    calls: { type: 'string', default: '150' },
    warmup: { type: 'string', default: '150' },
    'calls-per-run': { type: 'string', default: '10' },
    'probe-calls': { type: 'string', default: '4' },
    configurations: { type: 'string' },
    workloads: { type: 'string' },
    content: { type: 'boolean', default: false },
    profile: { type: 'string' },
    'node-flags': { type: 'string', default: '' },
    json: { type: 'string' },
  },
  strict: true,
});

const rounds = positiveInteger('--rounds', values.rounds);
const calls = positiveInteger('--calls', values.calls);
const warmup = positiveInteger('--warmup', values.warmup);
const callsPerRun = positiveInteger('--calls-per-run', values['calls-per-run']);
const probeCalls = positiveInteger('--probe-calls', values['probe-calls']);
const selected = values.configurations === undefined ? [...CONFIGURATIONS] : values.configurations.split(',').map(findConfiguration);
for (const required of ['baseline', 'floor'] as const) {
  if (!selected.some((configuration) => configuration.id === required)) selected.unshift(findConfiguration(required));
}
const workloads = values.workloads === undefined ? [...WORKLOADS] : values.workloads.split(',').map(findWorkload);
const profileDirectory = join(WORKSPACE_DIRECTORY, '.tmp', 'bench-profiles');
const profiled = new Set(values.profile?.split(',').map((id) => findConfiguration(id).id) ?? []);
const log = (message: string): void => void process.stderr.write(`bench: ${message}\n`);

ensureWorkspaceBuild();
ensureBenchDependencies();

const startedAt = performance.now();
const simulator = await startSimulatorProcess();
const childOptions: ChildOptions = {
  simulatorUrl: simulator.url,
  callsPerRun,
  content: values.content,
  nodeFlags: values['node-flags'].split(' ').filter((flag) => flag !== ''),
};
const processes: ConfigurationProcess[] = [];
const notes: string[] = [];

try {
  // Peers: `openai` 7 first; one that exports no span there is measured on 6 and reported as such.
  const instances: Instance[] = [];
  for (const configuration of selected) {
    instances.push({ configuration, openai: configuration.peer ? await choosePeerMajor(configuration) : 7 });
  }
  if (instances.some((instance) => instance.openai === 6)) {
    // The baseline (and Runproof, for a like-for-like comparison) on the same major as those peers.
    for (const id of ['baseline', 'runproof'] as const) {
      if (selected.some((configuration) => configuration.id === id)) instances.push({ configuration: findConfiguration(id), openai: 6 });
    }
  }
  instances.sort((a, b) => order(a) - order(b));

  for (const instance of instances) processes.push(new ConfigurationProcess(instance, childOptions));
  await Promise.all(processes.map((child) => child.waitUntilReady()));

  for (const child of processes) {
    const probe = await child.request({ type: 'probe', calls: probeCalls }, 'probe');
    log(`${instanceKey(child.instance)} (openai ${child.openaiVersion}): spans per call ${JSON.stringify(probe.spansPerCall)}`);
    for (const [name, keys] of Object.entries(probe.keysBySpanName)) log(`  span "${name}": ${keys.join(', ')}`);
    for (const workload of workloads) await child.request({ type: 'batch', workload: workload.id, calls: warmup }, 'batch');
  }

  const heapStart = new Map<ConfigurationProcess, number>();
  for (const child of processes) heapStart.set(child, (await child.request({ type: 'heap' }, 'heap')).heapUsed);

  const profiledProcesses = processes.filter((child) => profiled.has(child.instance.configuration.id));
  if (profiledProcesses.length > 0) mkdirSync(profileDirectory, { recursive: true });
  for (const child of profiledProcesses) await child.request({ type: 'profile', action: 'start' }, 'profile');

  const measurements = new Map<string, Measurement>();
  const measurementOf = (child: ConfigurationProcess, workload: Workload): Measurement => {
    const key = `${instanceKey(child.instance)}/${workload.id}`;
    let measurement = measurements.get(key);
    if (measurement === undefined) measurements.set(key, (measurement = emptyMeasurement()));
    return measurement;
  };
  for (let round = 0; round < rounds; round += 1) {
    log(`round ${round + 1}/${rounds}`);
    for (const workload of workloads) {
      for (let index = 0; index < processes.length; index += 1) {
        const child = processes[(index + round) % processes.length]!;
        const batch = await child.request({ type: 'batch', workload: workload.id, calls }, 'batch');
        const measurement = measurementOf(child, workload);
        measurement.cpuPerCall[round] = batch.cpuMicros / calls;
        measurement.throughput[round] = calls / (batch.wallMs / 1000);
        for (const latency of batch.latencies) measurement.latencies.push(latency);
        measurement.calls += calls;
        measurement.spans += batch.spans;
        measurement.bytes += batch.bytes;
      }
    }
  }

  for (const child of profiledProcesses) {
    const file = join(profileDirectory, `${instanceKey(child.instance).replace('@', '-openai')}.cpuprofile`);
    await child.request({ type: 'profile', action: 'stop', file }, 'profile');
  }

  const heapRows = [];
  for (const child of processes) {
    const end = (await child.request({ type: 'heap' }, 'heap')).heapUsed;
    heapRows.push({ label: child.instance.configuration.label, openaiVersion: child.openaiVersion, growthBytes: end - heapStart.get(child)! });
  }

  const rowsByWorkload = new Map<Workload, Row[]>();
  for (const workload of workloads) {
    const baselineOf = (major: OpenAIMajor): Measurement | undefined => {
      const child = processes.find((entry) => entry.instance.configuration.id === 'baseline' && entry.instance.openai === major);
      return child === undefined ? undefined : measurementOf(child, workload);
    };
    const floor = processes.find((entry) => entry.instance.configuration.id === 'floor')!;
    const floorRow = toRow({ instance: floor.instance, openaiVersion: floor.openaiVersion, measurement: measurementOf(floor, workload), baseline: baselineOf(7), floorAdded: undefined });
    rowsByWorkload.set(
      workload,
      processes.map((child) =>
        toRow({ instance: child.instance, openaiVersion: child.openaiVersion, measurement: measurementOf(child, workload), baseline: baselineOf(child.instance.openai), floorAdded: floorRow.addedCpu }),
      ),
    );
  }

  const minutes = (performance.now() - startedAt) / 60_000;
  const cpuModel = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const output = [
    `## Runproof benchmark — ${new Date().toISOString().slice(0, 10)}`,
    '',
    `Node ${process.version}, ${process.platform}/${process.arch}, ${availableParallelism()} cores (${cpuModel}). ` +
      `${rounds} interleaved rounds × ${calls} calls per configuration and workload, after ${warmup} warm-up calls; ` +
      `${callsPerRun} calls per run; content capture ${values.content ? 'on' : 'off'} everywhere; ${minutes.toFixed(1)} min.`,
    '',
    ...[...rowsByWorkload].flatMap(([workload, rows]) => [formatWorkloadTable(workload, rows), '']),
    formatHeapTable(heapRows),
    '',
    '### Targets',
    '',
    ...judgeTargets(rowsByWorkload).map((line) => `- ${line}`),
    ...(notes.length > 0 ? ['', '### Notes', '', ...notes.map((note) => `- ${note}`)] : []),
  ].join('\n');
  process.stdout.write(`${output}\n`);
  if (values.json !== undefined) {
    const json = Object.fromEntries([...rowsByWorkload].map(([workload, rows]) => [workload.id, rows]));
    writeFileSync(values.json, `${JSON.stringify({ rounds, calls, warmup, callsPerRun, content: values.content, node: process.version, workloads: json, heap: heapRows }, null, 2)}\n`);
  }
  if (profiled.size > 0) log(`CPU profiles of ${[...profiled].join(', ')} are written under ${profileDirectory} (summarize: node test/bench/profile-summary.ts <profile> [--baseline <profile>])`);
} finally {
  await Promise.all(processes.map((child) => child.stop()));
  await simulator.stop();
}

/** Probes a peer on `openai` 7 in a throwaway process; returns 6 when it exported no span there. */
async function choosePeerMajor(configuration: Configuration): Promise<OpenAIMajor> {
  const child = new ConfigurationProcess({ configuration, openai: 7 }, childOptions);
  try {
    await child.waitUntilReady();
    const probe = await child.request({ type: 'probe', calls: probeCalls }, 'probe');
    const spans = Object.values(probe.spansPerCall).reduce((sum, value) => sum + value, 0);
    if (spans > 0) return 7;
    notes.push(`${configuration.label} exports 0 spans on openai ${child.openaiVersion}; it is measured on openai 6 (the newest major it supports).`);
    log(`${configuration.id}: 0 spans on openai ${child.openaiVersion}, measuring it on openai 6`);
    return 6;
  } finally {
    await child.stop();
  }
}

function order(instance: Instance): number {
  return (8 - instance.openai) * 100 + CONFIGURATIONS.indexOf(instance.configuration);
}

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${flag} expects a positive integer, got "${text}"`);
  return value;
}
