/**
 * One configuration in one process, in a steady state: the same calls again and again, with no
 * forced collection between batches (the bench's batches each start after a full GC), so the
 * process collects garbage as an app's would. `--collect-every <calls>` forces one that often
 * instead, its own CPU not counted: what the bench's batches pay after theirs. For the tools that
 * watch a whole process: `perf` (Debian's `linux-perf`) with V8's `--perf-basic-prof`, or
 * `--trace-gc-nvp`. Prints CPU µs per call.
 *
 *   node [--trace-gc-nvp] test/bench/steady.ts --configuration <a bench configuration: runproof, floor-same…> \
 *     [--workload chat] [--calls 30000] [--warmup 5000] [--collect-every <calls>] [--perf <perf.data>]
 *
 * `--perf` records the measured calls only (`perf record -g -p`); then
 * `perf script -i <perf.data> | node test/bench/perf-attribution.ts --calls <calls>`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startSimulator } from '../simulator/simulator.ts';
import { createCannedFetch, createResponder } from './canned-responses.ts';
import { findConfiguration } from './configurations.ts';
import { setUp } from './instrument.ts';
import { CANNED_BASE_URL, recordWorkloadResponses } from './openai-bench.ts';
import { findWorkload, runCalls } from './workloads.ts';

const { values } = parseArgs({
  options: {
    configuration: { type: 'string', default: 'runproof' },
    workload: { type: 'string', default: 'chat' },
    calls: { type: 'string', default: '30000' },
    warmup: { type: 'string', default: '5000' },
    'collect-every': { type: 'string' },
    perf: { type: 'string' },
  },
  strict: true,
});
const calls = Number(values.calls);
const warmup = Number(values.warmup);
const collectEvery = values['collect-every'] === undefined ? undefined : Number(values['collect-every']);
if (!(calls >= 1000 && warmup >= 0)) throw new Error('--calls must be at least 1000, --warmup 0 or more');
const collect = (globalThis as { gc?: () => void }).gc;
if (collectEvery !== undefined && !(collectEvery >= 1000 && collectEvery % 1000 === 0 && collect !== undefined))
  throw new Error('--collect-every must be a multiple of 1000 calls, and node must run with --expose-gc');

const workload = findWorkload(values.workload);
const simulator = await startSimulator({ chunkDelayMs: 0, record: false });
const canned = await recordWorkloadResponses(simulator.url);
await simulator.close();
const respond = createResponder(canned[workload.id] ?? canned.chat);
// Set up as a bench configuration process sets itself up (`child.ts`), on the canned transport.
const { client, telemetry, wrappers } = await setUp(findConfiguration(values.configuration), 7, {
  simulatorUrl: CANNED_BASE_URL,
  content: false,
  fetch: createCannedFetch(() => respond()),
});

/** CPU µs spent in forced collections: taken out of the measurement. */
let collecting = 0;
const batches = async (count: number): Promise<void> => {
  for (let done = 0; done < count; done += 1000) {
    if (collectEvery !== undefined && done % collectEvery === 0) {
      const before = process.cpuUsage();
      collect!();
      const spent = process.cpuUsage(before);
      collecting += spent.user + spent.system;
    }
    await runCalls(client, workload, Math.min(1000, count - done), 10, wrappers, false);
    await telemetry.flush();
  }
};
await batches(warmup);
const perf =
  values.perf === undefined
    ? undefined
    : spawn('perf', ['record', '-g', '-F', '1999', '-p', String(process.pid), '-o', values.perf], { stdio: 'ignore' });
if (perf !== undefined) await sleep(1000);
collecting = 0;
const started = process.cpuUsage();
await batches(calls);
const used = process.cpuUsage(started);
const measured = used.user + used.system - collecting;
if (perf !== undefined) {
  perf.kill('SIGINT');
  await once(perf, 'exit');
}
process.stdout.write(
  `${values.configuration} ${workload.id}: ${(measured / calls).toFixed(1)} CPU µs/call over ${calls} calls\n`,
);
process.exit(0);
