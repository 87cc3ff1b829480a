/**
 * Where one configuration's instructions go that another's do not: the functions' own costs in
 * callgrind dumps kept by `instructions.ts` (`BENCH_KEEP_CALLGRIND=1`), read with
 * `callgrind_annotate`, summed over the chosen windows, subtracted, and divided by the calls. C++
 * functions and V8's builtins keep their names (the Node binary has its symbols); code V8 compiled
 * from JavaScript has none, so it is one line, `(JavaScript)`. Prints the total difference per call
 * and the functions that make it, largest first.
 *
 *   BENCH_KEEP_CALLGRIND=1 node test/bench/instructions.ts --configurations runproof --workloads chat --gc none
 *   node test/bench/callgrind-diff.ts .tmp/callgrind-…-runproof-chat-4 .tmp/callgrind-…-floor-same-chat-3 \
 *     --windows 2,3 --calls 300 [--top 40]
 *
 * Choose windows where the two processes' full collections fall alike (their counts, printed by
 * `instructions.ts`, jump in both or in neither): a collection in one window of one process only
 * moves that window's difference by far more than a change does.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: {
    windows: { type: 'string', default: '1,2,3,4,5,6' },
    calls: { type: 'string', default: '300' },
    top: { type: 'string', default: '40' },
  },
  allowPositionals: true,
  strict: true,
});
const [first, second] = positionals;
if (first === undefined || second === undefined || positionals.length !== 2)
  throw new Error(
    'usage: node test/bench/callgrind-diff.ts <dump directory> <dump directory to subtract> [--windows 2,3]',
  );
const windows = values.windows.split(',').map(Number);
const calls = Number(values.calls);
const top = Number(values.top);
if (windows.some((window) => !Number.isInteger(window) || window < 1) || !(calls > 0) || !(top > 0))
  throw new Error('--windows takes window numbers from 1 (a comma-separated list), --calls and --top positive numbers');

const JAVASCRIPT = '(JavaScript)';

/** Instructions by function in one dump (`count.<window>`): each function's own cost. */
function costsOf(directory: string, window: number): Map<string, number> {
  const text = execFileSync('callgrind_annotate', ['--threshold=100', join(directory, `count.${window}`)], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const costs = new Map<string, number>();
  let table = false;
  for (const line of text.split('\n')) {
    if (!table) {
      table = /^Ir\s+file:function/.test(line);
      continue;
    }
    // `  11,210,334 ( 2.31%)  ???:sha256_block_data_order_avx2 [/…/node]`
    const row = /^\s*([\d,]+)\s+\([^)]*\)\s+(?:\?\?\?:)?(.*?)(?:\s+\[[^\]]*\])?$/.exec(line);
    if (row === null) continue;
    const name = /^0x[0-9a-f]+$/.test(row[2]!) ? JAVASCRIPT : row[2]!;
    costs.set(name, (costs.get(name) ?? 0) + Number(row[1]!.replaceAll(',', '')));
  }
  if (!table) throw new Error(`callgrind_annotate printed no function table for ${directory}, window ${window}`);
  return costs;
}

/** The functions' costs summed over the windows. */
function summed(directory: string): Map<string, number> {
  const total = new Map<string, number>();
  for (const window of windows)
    for (const [name, cost] of costsOf(directory, window)) total.set(name, (total.get(name) ?? 0) + cost);
  return total;
}

const minuend = summed(first);
const subtrahend = summed(second);
const perCall = calls * windows.length;
const differences = [...new Set([...minuend.keys(), ...subtrahend.keys()])]
  .map((name) => ({ name, difference: ((minuend.get(name) ?? 0) - (subtrahend.get(name) ?? 0)) / perCall }))
  .sort((a, b) => Math.abs(b.difference) - Math.abs(a.difference));
const sum = (costs: Map<string, number>): number => [...costs.values()].reduce((total, cost) => total + cost, 0);

console.log(
  `${((sum(minuend) - sum(subtrahend)) / perCall).toFixed(0)} instructions per call more in the first ` +
    `(windows ${windows.join(', ')}, ${calls} calls each); by function:`,
);
for (const { name, difference } of differences.slice(0, top))
  console.log(`${difference.toFixed(0).padStart(10)}  ${name.length > 140 ? `${name.slice(0, 139)}…` : name}`);
