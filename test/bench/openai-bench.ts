/**
 * One mode of the OpenAI benchmark: every configuration in its own process, interleaved rounds,
 * rows per workload. `canned` (in-process: a custom `fetch` serves recorded responses, no network)
 * gives the stable CPU numbers; `http` (the real client against the simulator process) gives the
 * end-to-end latency and throughput.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type OpenAI from 'openai';
import { createRecordingFetch, type CannedResponse } from './canned-responses.ts';
import {
  CONFIGURATIONS,
  findConfiguration,
  type Configuration,
  type ConfigurationId,
  type Instance,
  type OpenAIMajor,
} from './configurations.ts';
import { requireFromBench } from './install.ts';
import { ConfigurationProcess, type ChildOptions } from './processes.ts';
import { emptyMeasurement, toRow, type HeapRow, type Measurement, type Row } from './report.ts';
import { callOnce, findWorkload, type Workload, type WorkloadId } from './workloads.ts';

/** The base URL the canned transport's clients are given (nothing listens there; `fetch` never leaves the process). */
export const CANNED_BASE_URL = 'https://api.openai.com/v1';

/**
 * How a bench treats the garbage collector (`--gc`): `batch` collects the heap in full before each
 * batch (or after each counted window), so every batch starts from a collected heap and pays for
 * compiling again the code whose hidden classes it dropped; `none` forces no collection, and the
 * process collects garbage as a busy app's does, a steady state.
 */
export type GcMode = 'batch' | 'none';

/** `--gc`'s value, or a clear error naming what was given. */
export function gcMode(text: string): GcMode {
  if (text !== 'batch' && text !== 'none')
    throw new Error(`--gc expects batch (a full collection before each batch) or none (a steady state), got "${text}"`);
  return text;
}

export interface OpenAIBenchOptions {
  transport: ChildOptions['transport'];
  /** The simulator's URL (`http` transport). */
  simulatorUrl: string;
  /** The recorded response of each workload (`canned` transport). */
  canned: Record<WorkloadId, CannedResponse> | undefined;
  configurations: readonly Configuration[];
  workloads: readonly Workload[];
  rounds: number;
  /** Calls per configuration, workload and round (each workload's `weight` divides it). */
  calls: number;
  /** Warm-up calls per workload before measuring (divided by the weight too). */
  warmup: number;
  callsPerRun: number;
  /** A full collection before each batch, or none (see {@link GcMode}). */
  collect: GcMode;
  probeCalls: number;
  content: boolean;
  nodeFlags: string[];
  /** The `openai` major each peer runs on, from an earlier mode; probed when absent. */
  peerMajors: Map<ConfigurationId, OpenAIMajor> | undefined;
  profile: { configurations: ReadonlySet<string>; directory: string } | undefined;
  log: (message: string) => void;
}

export interface OpenAIBenchResult {
  rowsByWorkload: Map<Workload, Row[]>;
  heapRows: HeapRow[];
  peerMajors: Map<ConfigurationId, OpenAIMajor>;
  notes: string[];
  /** Instances that exported no span on some workload although they should have. */
  silent: string[];
}

/** Calls per batch for a workload: streams cost several times a plain call, so they make fewer. */
export function callsFor(workload: Workload, calls: number): number {
  return Math.max(1, Math.round(calls / workload.weight));
}

export async function runOpenAIBench(options: OpenAIBenchOptions): Promise<OpenAIBenchResult> {
  const { log } = options;
  const childOptions: ChildOptions = {
    transport: options.transport,
    simulatorUrl: options.transport === 'canned' ? CANNED_BASE_URL : options.simulatorUrl,
    callsPerRun: options.callsPerRun,
    content: options.content,
    nodeFlags: options.nodeFlags,
  };
  const notes: string[] = [];
  const processes: ConfigurationProcess[] = [];
  const collect = options.collect === 'batch';
  const warmUp = async (child: ConfigurationProcess): Promise<void> => {
    for (const workload of options.workloads) {
      const calls = callsFor(workload, options.warmup);
      await child.request({ type: 'batch', workload: workload.id, calls, latencies: false, collect }, 'batch');
    }
  };
  const start = async (instance: Instance): Promise<ConfigurationProcess> => {
    const child = new ConfigurationProcess(instance, childOptions);
    await child.waitUntilReady();
    if (options.canned !== undefined) await child.request({ type: 'canned', responses: options.canned }, 'canned');
    return child;
  };

  try {
    // Peers: `openai` 7 first; one that exports no span there is measured on 6 and reported as such.
    const peerMajors = options.peerMajors ?? new Map<ConfigurationId, OpenAIMajor>();
    const instances: Instance[] = [];
    for (const configuration of options.configurations) {
      let major: OpenAIMajor = 7;
      if (configuration.peer) {
        major =
          peerMajors.get(configuration.id) ?? (await probePeerMajor(configuration, start, options.probeCalls, log));
        peerMajors.set(configuration.id, major);
        if (major === 6)
          notes.push(
            `${configuration.label} exports 0 spans on openai 7; it is measured on openai 6 (the newest major it supports).`,
          );
      }
      instances.push({ configuration, openai: major });
    }
    if (instances.some((instance) => instance.openai === 6)) {
      // The baseline (and Runproof, for a like-for-like comparison) on the same major as those peers.
      for (const id of ['baseline', 'runproof'] as const) {
        if (options.configurations.some((configuration) => configuration.id === id))
          instances.push({ configuration: findConfiguration(id), openai: 6 });
      }
    }
    instances.sort((a, b) => order(a) - order(b));

    processes.push(...(await Promise.all(instances.map(start))));
    for (const child of processes) {
      const probe = await child.request({ type: 'probe', calls: options.probeCalls }, 'probe');
      log(`${child.name} (openai ${child.openaiVersion}): spans per call ${JSON.stringify(probe.spansPerCall)}`);
      for (const [name, keys] of Object.entries(probe.keysBySpanName)) log(`  span "${name}": ${keys.join(', ')}`);
      await warmUp(child);
    }

    const heapStart = new Map<ConfigurationProcess, number>();
    for (const child of processes) heapStart.set(child, (await child.request({ type: 'heap' }, 'heap')).heapUsed);
    // Without a collection before each batch, the one just made would start the first round cold: warm up again.
    if (!collect) for (const child of processes) await warmUp(child);

    const profiled = processes.filter(
      (child) => options.profile?.configurations.has(child.instance.configuration.id) === true,
    );
    if (profiled.length > 0) mkdirSync(options.profile!.directory, { recursive: true });
    for (const child of profiled) await child.request({ type: 'profile', action: 'start' }, 'profile');

    const measurements = new Map<string, Measurement>();
    const measurementOf = (child: ConfigurationProcess, workload: Workload): Measurement => {
      const key = `${child.name}/${workload.id}`;
      let measurement = measurements.get(key);
      if (measurement === undefined) measurements.set(key, (measurement = emptyMeasurement()));
      return measurement;
    };
    const timed = options.transport === 'http';
    for (let round = 0; round < options.rounds; round += 1) {
      log(`${options.transport === 'canned' ? 'in-process' : 'end-to-end'} round ${round + 1}/${options.rounds}`);
      for (const workload of options.workloads) {
        const calls = callsFor(workload, options.calls);
        // The order rotates each round, so drift on the machine falls on every configuration alike.
        for (let index = 0; index < processes.length; index += 1) {
          const child = processes[(index + round) % processes.length]!;
          const batch = await child.request(
            { type: 'batch', workload: workload.id, calls, latencies: timed, collect },
            'batch',
          );
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

    for (const child of profiled) {
      const mode = options.transport === 'canned' ? 'in-process' : 'end-to-end';
      const file = join(options.profile!.directory, `${mode}-${child.name.replace('@', '-openai')}.cpuprofile`);
      await child.request({ type: 'profile', action: 'stop', file }, 'profile');
    }

    const heapRows: HeapRow[] = [];
    for (const child of processes) {
      const end = (await child.request({ type: 'heap' }, 'heap')).heapUsed;
      heapRows.push({
        label: child.instance.configuration.label,
        openaiVersion: child.openaiVersion,
        growthBytes: end - heapStart.get(child)!,
      });
    }

    const rowsByWorkload = new Map<Workload, Row[]>();
    const silent = new Set<string>();
    for (const workload of options.workloads) {
      const baselineOf = (major: OpenAIMajor): Measurement | undefined => {
        const child = processes.find(
          (entry) => entry.instance.configuration.id === 'baseline' && entry.instance.openai === major,
        );
        return child === undefined ? undefined : measurementOf(child, workload);
      };
      const floor = processes.find((entry) => entry.instance.configuration.id === 'floor')!;
      const floorRow = toRow({
        instance: floor.instance,
        openaiVersion: floor.openaiVersion,
        measurement: measurementOf(floor, workload),
        baseline: baselineOf(7),
        floorAdded: undefined,
      });
      const rows = processes.map((child) =>
        toRow({
          instance: child.instance,
          openaiVersion: child.openaiVersion,
          measurement: measurementOf(child, workload),
          baseline: baselineOf(child.instance.openai),
          floorAdded: floorRow.addedCpu,
        }),
      );
      for (const [index, row] of rows.entries()) {
        if (row.spansPerCall === 0 && exportsSpans(processes[index]!.instance.configuration.id))
          silent.add(`${row.label} (openai ${row.openaiVersion}), ${workload.label}`);
      }
      rowsByWorkload.set(workload, rows);
    }
    for (const entry of silent) log(`WARNING: ${entry} exported no spans`);
    return { rowsByWorkload, heapRows, peerMajors, notes, silent: [...silent] };
  } finally {
    await Promise.all(processes.map((child) => child.stop()));
  }
}

/** Every configuration but the two that are not meant to trace anything. */
function exportsSpans(id: ConfigurationId): boolean {
  return id !== 'baseline' && id !== 'runproof-loaded';
}

/** Probes a peer on `openai` 7 in a throwaway process; returns 6 when it exported no span there. */
async function probePeerMajor(
  configuration: Configuration,
  start: (instance: Instance) => Promise<ConfigurationProcess>,
  probeCalls: number,
  log: (message: string) => void,
): Promise<OpenAIMajor> {
  const child = await start({ configuration, openai: 7 });
  try {
    const probe = await child.request({ type: 'probe', calls: probeCalls }, 'probe');
    const spans = Object.values(probe.spansPerCall).reduce((sum, value) => sum + value, 0);
    if (spans > 0) return 7;
    log(`${configuration.id}: 0 spans on openai ${child.openaiVersion}, measuring it on openai 6`);
    return 6;
  } finally {
    await child.stop();
  }
}

function order(instance: Instance): number {
  return (8 - instance.openai) * 100 + CONFIGURATIONS.indexOf(instance.configuration);
}

/**
 * Records each workload's response from the simulator at `simulatorUrl`, through the bench's
 * `openai` 7 client, for the canned transport.
 */
export async function recordWorkloadResponses(simulatorUrl: string): Promise<Record<WorkloadId, CannedResponse>> {
  const recorder = createRecordingFetch();
  const { OpenAI: OpenAIClient } = requireFromBench<{ OpenAI: typeof OpenAI }>('openai');
  const client = new OpenAIClient({ apiKey: 'bench', baseURL: simulatorUrl, maxRetries: 0, fetch: recorder.fetch });
  const responses: Partial<Record<WorkloadId, CannedResponse>> = {};
  for (const id of ['chat', 'stream', 'structured'] as const) {
    await callOnce(client, findWorkload(id));
    responses[id] = recorder.take();
  }
  // The concurrent workload sends the chat request.
  responses.concurrent = responses.chat;
  return responses as Record<WorkloadId, CannedResponse>;
}
