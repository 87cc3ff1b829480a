/**
 * `npm run bench`: what each instrumentation costs, in three parts, each configuration in its own
 * process, rounds interleaved across configurations:
 *
 * 1. in-process (the primary table): the `openai` client with a custom `fetch` serving canned
 *    responses — CPU per call without network noise, so tens of microseconds can be compared;
 * 2. end to end (secondary): the same client calling the simulator process over HTTP — latency
 *    and throughput;
 * 3. LangChain: a `createAgent` tool loop with canned responses — CPU per agent step.
 *
 *   node test/bench/run.ts [--mode in-process,end-to-end,langchain]
 *                          [--rounds 5] [--calls 4000] [--warmup 2000] [--gc batch|none]     (in process)
 *                          [--e2e-rounds 3] [--e2e-calls 100] [--e2e-warmup 100]             (end to end)
 *                          [--langchain-rounds 5] [--langchain-invocations 200] [--langchain-warmup 200]
 *                          [--calls-per-run 10] [--configurations runproof,otel,…] [--workloads chat,stream,…]
 *                          [--content] [--profile runproof,baseline] [--node-flags=--single-threaded-gc]
 *                          [--json out.json]
 *
 * See docs/benchmarks.md for how to read the output.
 */
import { hash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startSimulator } from '../simulator/simulator.ts';
import type { CannedResponse } from './canned-responses.ts';
import { CONFIGURATIONS, findConfiguration } from './configurations.ts';
import { ensureBenchDependencies, ensureWorkspaceBuild, WORKSPACE_DIRECTORY } from './install.ts';
import type { AgentResponses } from './langchain-agent.ts';
import { formatLangChainTable, runLangChainBench, type LangChainRow } from './langchain-bench.ts';
import {
  callsFor,
  gcMode,
  recordWorkloadResponses,
  runOpenAIBench,
  type OpenAIBenchOptions,
  type OpenAIBenchResult,
} from './openai-bench.ts';
import { startSimulatorProcess } from './processes.ts';
import { formatHeapTable, formatWorkloadTable } from './report.ts';
import { judgeTargets } from './targets.ts';
import { findWorkload, requestOf, WORKLOADS, type Workload, type WorkloadId } from './workloads.ts';

const MODES = ['in-process', 'end-to-end', 'langchain'] as const;
type Mode = (typeof MODES)[number];

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: MODES.join(',') },
    rounds: { type: 'string', default: '5' },
    calls: { type: 'string', default: '4000' },
    warmup: { type: 'string', default: '2000' },
    gc: { type: 'string', default: 'batch' },
    'e2e-rounds': { type: 'string', default: '3' },
    'e2e-calls': { type: 'string', default: '100' },
    'e2e-warmup': { type: 'string', default: '100' },
    'langchain-rounds': { type: 'string', default: '5' },
    'langchain-invocations': { type: 'string', default: '200' },
    'langchain-warmup': { type: 'string', default: '200' },
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

const modes = new Set(
  values.mode.split(',').map((mode) => {
    if (!(MODES as readonly string[]).includes(mode))
      throw new Error(`--mode expects a comma list of ${MODES.join(', ')}, got "${mode}"`);
    return mode as Mode;
  }),
);
const selected =
  values.configurations === undefined
    ? CONFIGURATIONS.filter((configuration) => configuration.diagnostic !== true)
    : values.configurations.split(',').map(findConfiguration);
for (const required of ['floor', 'baseline'] as const) {
  if (!selected.some((configuration) => configuration.id === required)) selected.unshift(findConfiguration(required));
}
const workloads = values.workloads === undefined ? [...WORKLOADS] : values.workloads.split(',').map(findWorkload);
const callsPerRun = positiveInteger('--calls-per-run', values['calls-per-run']);
const probeCalls = positiveInteger('--probe-calls', values['probe-calls']);
const nodeFlags = values['node-flags'].split(' ').filter((flag) => flag !== '');
const collect = gcMode(values.gc);
// A process that serves calls without pause is never idle; a configuration's process waits while the
// others run their batches, and the memory reducer would collect it then, as --gc batch does.
const inProcessFlags = collect === 'none' ? [...nodeFlags, '--no-memory-reducer'] : nodeFlags;
const log = (message: string): void => void process.stderr.write(`bench: ${message}\n`);
const profile =
  values.profile === undefined
    ? undefined
    : {
        configurations: new Set(values.profile.split(',').map((id) => findConfiguration(id).id)),
        directory: join(WORKSPACE_DIRECTORY, '.tmp', 'bench-profiles'),
      };
const settings = {
  rounds: positiveInteger('--rounds', values.rounds),
  calls: positiveInteger('--calls', values.calls),
  warmup: positiveInteger('--warmup', values.warmup),
  e2eRounds: positiveInteger('--e2e-rounds', values['e2e-rounds']),
  e2eCalls: positiveInteger('--e2e-calls', values['e2e-calls']),
  e2eWarmup: positiveInteger('--e2e-warmup', values['e2e-warmup']),
  langchainRounds: positiveInteger('--langchain-rounds', values['langchain-rounds']),
  langchainInvocations: positiveInteger('--langchain-invocations', values['langchain-invocations']),
  langchainWarmup: positiveInteger('--langchain-warmup', values['langchain-warmup']),
};

ensureWorkspaceBuild();
ensureBenchDependencies();
const startedAt = performance.now();

// Canned responses, recorded once from an in-process simulator and served to every configuration.
let canned: Record<WorkloadId, CannedResponse> | undefined;
let agentResponses: AgentResponses | undefined;
if (modes.has('in-process') || modes.has('langchain')) {
  const simulator = await startSimulator({ chunkDelayMs: 0, record: false });
  try {
    canned = await recordWorkloadResponses(simulator.url);
    log(`canned responses recorded: the stream has ${canned.stream.chunks.length} SSE events`);
    if (modes.has('langchain'))
      agentResponses = await (await import('./langchain-agent.ts')).recordAgentResponses(simulator);
  } finally {
    await simulator.close();
  }
}

const common: Omit<
  OpenAIBenchOptions,
  'transport' | 'simulatorUrl' | 'canned' | 'rounds' | 'calls' | 'warmup' | 'collect' | 'peerMajors'
> = {
  configurations: selected,
  workloads,
  callsPerRun,
  probeCalls,
  content: values.content,
  nodeFlags,
  profile,
  log,
};

let inProcess: OpenAIBenchResult | undefined;
if (modes.has('in-process')) {
  inProcess = await runOpenAIBench({
    ...common,
    transport: 'canned',
    simulatorUrl: '',
    canned,
    rounds: settings.rounds,
    calls: settings.calls,
    warmup: settings.warmup,
    collect,
    nodeFlags: inProcessFlags,
    peerMajors: undefined,
  });
}

let endToEnd: OpenAIBenchResult | undefined;
if (modes.has('end-to-end')) {
  const simulator = await startSimulatorProcess();
  try {
    endToEnd = await runOpenAIBench({
      ...common,
      transport: 'http',
      simulatorUrl: simulator.url,
      canned: undefined,
      rounds: settings.e2eRounds,
      calls: settings.e2eCalls,
      warmup: settings.e2eWarmup,
      collect: 'batch',
      // Same majors as in-process, without probing again; each weight 1: HTTP calls are dominated by I/O.
      peerMajors: inProcess?.peerMajors,
      workloads: workloads.map((workload) => ({ ...workload, weight: 1 })),
    });
  } finally {
    await simulator.stop();
  }
}

let langchain: LangChainRow[] | undefined;
if (modes.has('langchain')) {
  langchain = await runLangChainBench({
    responses: agentResponses!,
    rounds: settings.langchainRounds,
    invocations: settings.langchainInvocations,
    warmup: settings.langchainWarmup,
    probeInvocations: probeCalls,
    content: values.content,
    nodeFlags,
    log,
  });
}

const minutes = (performance.now() - startedAt) / 60_000;
const cpuModel = cpus()[0]?.model.trim() ?? 'unknown CPU';
const output: string[] = [
  `## Runproof benchmark — ${new Date().toISOString().slice(0, 10)}`,
  '',
  `Node ${process.version}, ${process.platform}/${process.arch}, ${availableParallelism()} cores (${cpuModel}); ` +
    `content capture ${values.content ? 'on' : 'off'} everywhere; ${callsPerRun} calls per Runproof run; ${minutes.toFixed(1)} min; load average at the end ${loadavg()[0]!.toFixed(2)}.`,
];
if (inProcess !== undefined) {
  output.push(
    '',
    '### In process: added CPU per call (primary)',
    '',
    `Canned responses through a custom \`fetch\`, no network. ${settings.rounds} interleaved rounds; per configuration and round ` +
      `${workloads.map((workload) => `${callsFor(workload, settings.calls)} ${workload.id}`).join(', ')} calls, after ${workloads.map((workload) => callsFor(workload, settings.warmup)).join(' / ')} warm-up calls. ` +
      (collect === 'batch'
        ? 'Each batch starts after a full collection (`--gc batch`): it pays for compiling again what the collection threw away.'
        : 'No forced collection (`--gc none`): each process collects garbage as a busy app does, a steady state.'),
    '',
    ...[...inProcess.rowsByWorkload].flatMap(([workload, rows]) => [formatWorkloadTable(workload, rows, 'cpu'), '']),
    formatHeapTable(inProcess.heapRows),
    '',
    ...formatRequestCosts(workloads),
    '#### Targets (in process)',
    '',
    ...judgeTargets(inProcess.rowsByWorkload).map((line) => `- ${line}`),
  );
}
if (endToEnd !== undefined) {
  output.push(
    '',
    '### End to end against the simulator (secondary)',
    '',
    `The real client over HTTP to the simulator process. ${settings.e2eRounds} interleaved rounds × ${settings.e2eCalls} calls per configuration and workload, after ${settings.e2eWarmup} warm-up calls.`,
    '',
    ...[...endToEnd.rowsByWorkload].flatMap(([workload, rows]) => [
      formatWorkloadTable(workload, rows, 'end-to-end'),
      '',
    ]),
  );
}
if (langchain !== undefined) {
  output.push(
    '',
    '### LangChain: added CPU per agent step',
    '',
    `\`createAgent\` + \`ChatOpenAI\` + one Zod tool, a model → tool → model loop per invocation (3 steps), canned responses. ` +
      `${settings.langchainRounds} interleaved rounds × ${settings.langchainInvocations} invocations per configuration, after ${settings.langchainWarmup} warm-up invocations.`,
    '',
    formatLangChainTable(langchain),
  );
}
const notes = [...new Set([...(inProcess?.notes ?? []), ...(endToEnd?.notes ?? [])])];
const silent = [
  ...(inProcess?.silent ?? []).map((entry) => `in process: ${entry}`),
  ...(endToEnd?.silent ?? []).map((entry) => `end to end: ${entry}`),
];
for (const row of langchain ?? [])
  if (row.id !== 'baseline' && row.spansPerStep === 0) silent.push(`LangChain: ${row.label}`);
if (notes.length > 0 || silent.length > 0) {
  output.push(
    '',
    '### Notes',
    '',
    ...notes.map((note) => `- ${note}`),
    ...silent.map((entry) => `- **No spans exported**: ${entry}.`),
  );
}
process.stdout.write(`${output.join('\n')}\n`);

if (values.json !== undefined) {
  const rows = (result: OpenAIBenchResult | undefined): unknown =>
    result === undefined
      ? undefined
      : {
          workloads: Object.fromEntries(
            [...result.rowsByWorkload].map(([workload, entries]) => [workload.id, entries]),
          ),
          heap: result.heapRows,
        };
  writeFileSync(
    values.json,
    `${JSON.stringify({ node: process.version, settings, gc: collect, callsPerRun, content: values.content, inProcess: rows(inProcess), endToEnd: rows(endToEnd), langchain }, null, 2)}\n`,
  );
}
if (profile !== undefined)
  log(
    `CPU profiles are written under ${profile.directory} (summarize: node test/bench/profile-summary.ts <profile> [--baseline <profile>])`,
  );

function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}

/**
 * For the scaling workloads: what serializing the request costs the SDK (`JSON.stringify` of the
 * body, which it does on every call) and what SHA-256 of that text costs, measured here in the
 * parent, so the added CPU can be read against the SDK's own work on the same request.
 */
function formatRequestCosts(selected: readonly Workload[]): string[] {
  const scaling = selected.filter(
    (workload) => workload.promptCharacters !== undefined || workload.conversationMessages !== undefined,
  );
  if (scaling.length === 0) return [];
  const microsPer = (work: () => unknown): number => {
    for (let index = 0; index < 20; index += 1) work();
    let repeats = 0;
    const started = process.cpuUsage();
    let spent = 0;
    while (spent < 200_000) {
      work();
      repeats += 1;
      const used = process.cpuUsage(started);
      spent = used.user + used.system;
    }
    return spent / repeats;
  };
  const rows = scaling.map((workload) => {
    const text = JSON.stringify(requestOf(workload));
    return [
      workload.label,
      `${(Buffer.byteLength(text) / 1024).toFixed(1)} KB`,
      microsPer(() => JSON.stringify(requestOf(workload))).toFixed(1),
      microsPer(() => sha256(text)).toFixed(1),
    ];
  });
  return [
    '#### The request itself (scaling workloads)',
    '',
    "Measured in the bench's parent process: the body the SDK sends, `JSON.stringify` of it (the SDK's own serialization, on every call) and SHA-256 of that text (what `runproof.input.digest` costs).",
    '',
    '| workload | body | JSON.stringify µs | SHA-256 µs |',
    '|:--|--:|--:|--:|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
  ];
}

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${flag} expects a positive integer, got "${text}"`);
  return value;
}
