/**
 * `npm run bench:instructions` — the in-process workloads counted in CPU instructions instead of
 * timed. Each configuration and workload runs in its own `instructions-child.ts` process under
 * `valgrind --tool=callgrind --instr-atstart=no`: set-up and warm-up run uncounted, then counting
 * is turned on (`callgrind_control --instr=on`) and the process makes `--windows` windows of
 * `--calls` calls; after each, `callgrind_control --dump` reads the counter, so a window's count
 * is the difference between the counts before and after its calls. A configuration's added
 * instructions per call are taken window by window against the baseline's window in the same
 * position (V8's heap and code settle the same way in every process, so a window's neighbours in
 * other processes share its drift), then the median and interquartile range over the windows.
 * A shared machine's load moves time, not instruction counts, so a change's effect can be read
 * where the timed bench is lost in noise. What it does not see: cache misses, memory stalls, what an
 * instruction costs (a hash, a division), and V8's predictable mode leaves more code in its
 * baseline tier than a normal run does — so it complements the timed table, and its numbers are
 * compared with each other (a change, a budget), not converted to microseconds.
 *
 *   node test/bench/instructions.ts [--configurations runproof,openinference] [--workloads chat,stream]
 *                                   [--calls 300] [--windows 6] [--warmup 4000] [--jobs 1] [--gc batch|none]
 *                                   [--json out.json]
 *
 * `--gc batch` (the default, and the budget's) collects the heap in full after the warm-up and after
 * each window, inside the count: each window then also pays for compiling again the code V8 threw
 * away with the shapes the collection freed, which moves a window's count by up to a fifth, and
 * moves it differently after any change to the code. `--gc none` forces no collection, so the
 * windows count a process in a steady state, as `--gc none` does in the timed bench.
 *
 * The baseline and both hand-written spans are always counted. V8 runs `--predictable` (one
 * thread: compiling and collecting garbage happen in the counted thread, at points set by the
 * work done, not by a timer or another thread), with a fixed seed, no incremental marking or
 * memory reducer, and the bench's fixed young generation. A workload's `weight` divides its calls.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { startSimulator } from '../simulator/simulator.ts';
import { CONFIGURATIONS, findConfiguration, type Configuration } from './configurations.ts';
import { ensureBenchDependencies, ensureWorkspaceBuild, WORKSPACE_DIRECTORY } from './install.ts';
import { callsFor, gcMode, recordWorkloadResponses, type GcMode } from './openai-bench.ts';
import { median, quantile } from './report.ts';
import { findWorkload, WORKLOADS, type Workload } from './workloads.ts';

const CHILD_MAIN = fileURLToPath(new URL('./instructions-child.ts', import.meta.url));
const NODE_FLAGS = [
  '--expose-gc',
  '--predictable',
  '--random-seed=1',
  '--no-incremental-marking',
  '--no-memory-reducer',
  '--no-flush-bytecode',
  '--min-semi-space-size=16',
  '--max-semi-space-size=16',
];
const execute = promisify(execFile);
/** Processes counted so far: each gets a directory of its own for callgrind's dumps. */
let countedProcesses = 0;

/** One configuration on one workload: each window's instruction count. */
export interface InstructionRow {
  configuration: string;
  workload: string;
  /** Calls per window. */
  calls: number;
  /** Instructions per call of each window, in order. */
  windows: number[];
  spansPerCall: number;
  bytesPerSpan: number;
}

export interface InstructionOptions {
  configurations: readonly Configuration[];
  workloads: readonly Workload[];
  /** Calls per window (a workload's weight divides it). */
  calls: number;
  windows: number;
  warmup: number;
  callsPerRun: number;
  /** Configurations counted at once (each is one busy process). */
  jobs: number;
  /** `batch`: a full collection after the warm-up and each window; `none`: none forced. */
  gc: GcMode;
  log: (message: string) => void;
}

/** Counts every configuration on every workload; the canned responses are recorded first. */
export async function countInstructions(options: InstructionOptions): Promise<InstructionRow[]> {
  const directory = join(WORKSPACE_DIRECTORY, '.tmp');
  mkdirSync(directory, { recursive: true });
  const cannedFile = join(directory, `bench-canned-${process.pid}.json`);
  const simulator = await startSimulator({ chunkDelayMs: 0, record: false });
  try {
    writeFileSync(cannedFile, JSON.stringify(await recordWorkloadResponses(simulator.url)));
  } finally {
    await simulator.close();
  }
  const rows: InstructionRow[] = [];
  try {
    for (const workload of options.workloads) {
      const queue = [...options.configurations];
      const worker = async (): Promise<void> => {
        for (let configuration = queue.shift(); configuration !== undefined; configuration = queue.shift()) {
          rows.push(await countConfiguration(configuration, workload, cannedFile, directory, options));
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, options.jobs) }, worker));
    }
  } finally {
    rmSync(cannedFile, { force: true });
  }
  const order = (row: InstructionRow): number =>
    options.workloads.findIndex((workload) => workload.id === row.workload) * 100 +
    CONFIGURATIONS.findIndex((entry) => entry.id === row.configuration);
  return rows.sort((a, b) => order(a) - order(b));
}

/** Runs one configuration on one workload under callgrind and counts each window of calls. */
async function countConfiguration(
  configuration: Configuration,
  workload: Workload,
  cannedFile: string,
  directory: string,
  options: InstructionOptions,
): Promise<InstructionRow> {
  const calls = callsFor(workload, options.calls);
  const outputs = join(
    directory,
    `callgrind-${process.pid}-${configuration.id}-${workload.id}-${(countedProcesses += 1)}`,
  );
  rmSync(outputs, { recursive: true, force: true });
  mkdirSync(outputs, { recursive: true });
  const args = [
    '--tool=callgrind',
    '--instr-atstart=no',
    `--callgrind-out-file=${join(outputs, 'count')}`,
    process.execPath,
    ...NODE_FLAGS,
    CHILD_MAIN,
    ...['--configuration', configuration.id, '--workload', workload.id, '--canned', cannedFile],
    ...['--warmup', String(callsFor(workload, options.warmup)), '--calls-per-run', String(options.callsPerRun)],
    ...['--gc', options.gc],
  ];
  const child = spawn('valgrind', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => {
    const line = await Promise.race([lines.next(), exited.then(() => undefined)]);
    if (line === undefined || line.done === true)
      throw new Error(`valgrind ${configuration.id} ${workload.id} exited:\n${stderr}`);
    return line.value;
  };
  const row: InstructionRow = {
    configuration: configuration.id,
    workload: workload.id,
    calls,
    windows: [],
    spansPerCall: 0,
    bytesPerSpan: 0,
  };
  try {
    while ((await nextLine()) !== 'ready');
    await execute('callgrind_control', ['--instr=on', String(child.pid)]);
    let spans = 0;
    let bytes = 0;
    for (let window = 0; window < options.windows; window += 1) {
      child.stdin.write(`calls ${calls}\n`);
      const exported = JSON.parse(await nextLine()) as { spans: number; bytes: number };
      await execute('callgrind_control', ['--dump', String(child.pid)]);
      row.windows.push(latestDumpTotal(outputs) / calls);
      spans += exported.spans;
      bytes += exported.bytes;
    }
    row.spansPerCall = spans / (calls * options.windows);
    row.bytesPerSpan = spans === 0 ? 0 : bytes / spans;
    child.stdin.end('exit\n');
    await exited;
  } finally {
    child.kill();
    // BENCH_KEEP_CALLGRIND=1 keeps the dumps (callgrind_annotate shows where each window's instructions went).
    if (process.env.BENCH_KEEP_CALLGRIND === undefined) rmSync(outputs, { recursive: true, force: true });
    else options.log(`callgrind dumps kept in ${outputs}`);
  }
  options.log(
    `${workload.id} ${configuration.id}: ${row.windows.map((value) => Math.round(value)).join(', ')} instructions/call`,
  );
  return row;
}

/** The total of the dump callgrind wrote last (`count.<pid>.<n>`, the highest n): the window just made. */
function latestDumpTotal(outputs: string): number {
  const dumps = readdirSync(outputs)
    .map((name) => ({ name, number: Number(/\.(\d+)$/.exec(name)?.[1] ?? -1) }))
    .filter((dump) => dump.number >= 0)
    .sort((a, b) => b.number - a.number);
  const latest = dumps[0];
  if (latest === undefined) throw new Error(`callgrind wrote no dump in ${outputs}`);
  const total = /^(?:totals|summary):\s*(\d+)/m.exec(readFileSync(join(outputs, latest.name), 'utf8'));
  if (total === null) throw new Error(`no total in ${latest.name}`);
  return Number(total[1]);
}

/** A difference between two rows, window by window: its median and interquartile range. */
export interface Difference {
  median: number;
  low: number;
  high: number;
}

/** `row` minus `other`, window by window (windows in the same position of their processes). */
export function differenceOf(
  row: InstructionRow | undefined,
  other: InstructionRow | undefined,
): Difference | undefined {
  if (row === undefined || other === undefined) return undefined;
  const differences = row.windows
    .map((value, index) => value - (other.windows[index] ?? Number.NaN))
    .filter((value) => !Number.isNaN(value));
  if (differences.length === 0) return undefined;
  return { median: median(differences), low: quantile(differences, 0.25), high: quantile(differences, 0.75) };
}

function thousands(value: number): string {
  return Math.round(value).toLocaleString('en');
}

function withRange(difference: Difference | undefined): string {
  return difference === undefined
    ? '–'
    : `${thousands(difference.median)} (${thousands(difference.low)}…${thousands(difference.high)})`;
}

/** A Markdown table per workload: instructions per call, added over the baseline, and the two numbers the issue tracks. */
export function formatInstructionTables(rows: readonly InstructionRow[]): string[] {
  const lines: string[] = [];
  const byWorkload = new Map<string, InstructionRow[]>();
  for (const row of rows) byWorkload.set(row.workload, [...(byWorkload.get(row.workload) ?? []), row]);
  for (const [workload, entries] of byWorkload) {
    const find = (id: string): InstructionRow | undefined => entries.find((entry) => entry.configuration === id);
    const baseline = find('baseline');
    lines.push(
      `#### ${findWorkload(workload).label}`,
      '',
      `${entries[0]!.windows.length} windows of ${entries[0]!.calls} calls per configuration.`,
      '',
      '| configuration | instructions/call | added over no instrumentation (IQR) | spans/call | bytes/span |',
      '|:--|--:|--:|--:|--:|',
    );
    for (const row of entries) {
      const added = row.configuration === 'baseline' ? '–' : withRange(differenceOf(row, baseline));
      lines.push(
        `| ${findConfiguration(row.configuration).label} | ${thousands(median(row.windows))} | ${added} | ${row.spansPerCall.toFixed(2)} | ${Math.round(row.bytesPerSpan)} |`,
      );
    }
    lines.push('');
    const ownWork = differenceOf(find('runproof'), find('floor-same'));
    const price = differenceOf(find('floor-same'), find('floor'));
    if (ownWork !== undefined)
      lines.push(
        `- Runproof's own work (Runproof − the same information by hand): ${withRange(ownWork)} instructions/call`,
      );
    if (price !== undefined)
      lines.push(
        `- the price of the information (the same information by hand − a bare span): ${withRange(price)} instructions/call`,
      );
    lines.push('');
  }
  return lines;
}

function isMain(): boolean {
  return process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
}

if (isMain()) {
  const { values } = parseArgs({
    options: {
      configurations: { type: 'string', default: 'runproof,openinference' },
      workloads: { type: 'string', default: WORKLOADS.map((workload) => workload.id).join(',') },
      calls: { type: 'string', default: '300' },
      windows: { type: 'string', default: '6' },
      warmup: { type: 'string', default: '4000' },
      jobs: { type: 'string', default: '1' },
      'calls-per-run': { type: 'string', default: '10' },
      gc: { type: 'string', default: 'batch' },
      json: { type: 'string' },
    },
    strict: true,
  });
  const selected = values.configurations.split(',').map(findConfiguration);
  const configurations = CONFIGURATIONS.filter(
    (configuration) =>
      ['baseline', 'floor', 'floor-same'].includes(configuration.id) || selected.includes(configuration),
  );
  ensureWorkspaceBuild();
  ensureBenchDependencies();
  const log = (message: string): void => void process.stderr.write(`bench: ${message}\n`);
  const rows = await countInstructions({
    configurations,
    workloads: values.workloads.split(',').map(findWorkload),
    calls: positiveInteger('--calls', values.calls),
    windows: positiveInteger('--windows', values.windows),
    warmup: positiveInteger('--warmup', values.warmup),
    callsPerRun: positiveInteger('--calls-per-run', values['calls-per-run']),
    jobs: positiveInteger('--jobs', values.jobs),
    gc: gcMode(values.gc),
    log,
  });
  process.stdout.write(`${formatInstructionTables(rows).join('\n')}\n`);
  if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify(rows, null, 2)}\n`);
}

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${flag} expects a positive integer, got "${text}"`);
  return value;
}
