/**
 * `npm run bench:guard` — Runproof's own work per call (Runproof − the hand-written span carrying
 * the same information), counted in instructions (`instructions.ts`), against the budget stored in
 * `budget.json`; prints, per workload, the count, the budget and whether it is over or under. Exit
 * code 1 when a workload is over its budget. A command to run before a change lands, not a test in
 * `npm test`: it takes a few minutes under valgrind.
 *
 *   node test/bench/guard.ts [--workloads chat,stream] [--windows 6] [--calls 300] [--jobs 2]
 *   node test/bench/guard.ts --update   # store this commit's counts (+15 %) as the new budget
 *
 * Instruction counts do not move with the machine's load, so the budget holds on a shared machine;
 * they move with Node, V8, `openai` and the OpenTelemetry SDK versions: after upgrading one of
 * them, re-measure the base (`--update`) on the commit before the change, then judge the change.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { findConfiguration } from './configurations.ts';
import { ensureBenchDependencies, ensureWorkspaceBuild } from './install.ts';
import { countInstructions, differenceOf, formatInstructionTables } from './instructions.ts';
import { findWorkload, WORKLOADS } from './workloads.ts';

const BUDGET_FILE = new URL('./budget.json', import.meta.url);
/** Headroom `--update` leaves above what it measured: the spread between windows is a few percent. */
const HEADROOM = 1.15;

/** Instructions per call of Runproof's own work that each workload may use. */
interface Budget {
  /** Node, `openai` and what was measured, for whoever reads the file. */
  measuredOn: string;
  ownWorkInstructionsPerCall: Record<string, number>;
}

const { values } = parseArgs({
  options: {
    workloads: { type: 'string', default: WORKLOADS.map((workload) => workload.id).join(',') },
    windows: { type: 'string', default: '6' },
    calls: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '4000' },
    jobs: { type: 'string', default: '2' },
    update: { type: 'boolean', default: false },
  },
  strict: true,
});

ensureWorkspaceBuild();
ensureBenchDependencies();
const workloads = values.workloads.split(',').map(findWorkload);
const rows = await countInstructions({
  configurations: ['baseline', 'floor', 'floor-same', 'runproof'].map(findConfiguration),
  workloads,
  calls: Number(values.calls),
  windows: Number(values.windows),
  warmup: Number(values.warmup),
  callsPerRun: 10,
  jobs: Number(values.jobs),
  // The budget was counted this way.
  gc: 'batch',
  log: (message) => void process.stderr.write(`bench: ${message}\n`),
});
process.stdout.write(`${formatInstructionTables(rows).join('\n')}\n`);

const budget = JSON.parse(readFileSync(BUDGET_FILE, 'utf8')) as Budget;
let over = 0;
const lines: string[] = [];
for (const workload of workloads) {
  const find = (id: string) => rows.find((row) => row.workload === workload.id && row.configuration === id);
  const ownWork = differenceOf(find('runproof'), find('floor-same'));
  if (ownWork === undefined) continue;
  if (values.update) {
    budget.ownWorkInstructionsPerCall[workload.id] = Math.round((ownWork.median * HEADROOM) / 1000) * 1000;
    continue;
  }
  const allowed = budget.ownWorkInstructionsPerCall[workload.id];
  if (allowed === undefined) {
    lines.push(
      `${workload.label}: own work ${Math.round(ownWork.median).toLocaleString('en')} instructions/call, no budget stored`,
    );
    continue;
  }
  const verdict = ownWork.median <= allowed ? 'UNDER' : 'OVER';
  if (verdict === 'OVER') over += 1;
  const by = Math.abs(ownWork.median - allowed);
  lines.push(
    `${verdict} ${workload.label}: own work ${Math.round(ownWork.median).toLocaleString('en')} instructions/call ` +
      `(IQR ${Math.round(ownWork.low).toLocaleString('en')}…${Math.round(ownWork.high).toLocaleString('en')}), budget ${allowed.toLocaleString('en')}: ` +
      `${verdict === 'OVER' ? 'over' : 'under'} by ${Math.round(by).toLocaleString('en')} (${((by / allowed) * 100).toFixed(0)} %)`,
  );
}
if (values.update) {
  budget.measuredOn = `Node ${process.version}, ${values.windows} windows of ${values.calls} calls, ${new Date().toISOString().slice(0, 10)}`;
  writeFileSync(BUDGET_FILE, `${JSON.stringify(budget, null, 2)}\n`);
  process.stdout.write(`budget updated: ${JSON.stringify(budget.ownWorkInstructionsPerCall)}\n`);
} else {
  process.stdout.write(`\n${lines.join('\n')}\n`);
  process.exitCode = over > 0 ? 1 : 0;
}
