/**
 * One configuration on one workload, in a process `instructions.ts` runs under
 * `valgrind --tool=callgrind --instr-atstart=no`: it sets up and warms up uncounted, says `ready`
 * on stdout, then for each `calls <n>` line on stdin makes n calls with canned responses, exports
 * their spans, collects the garbage (`--gc batch`; `none` leaves the process to collect as it goes,
 * a steady state), and answers one JSON line (`spans`, `bytes`). The parent turns
 * counting on before the first window and reads the count of each window (`callgrind_control`);
 * `exit` ends the process. Nothing is timed.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createCannedFetch, createResponder, type CannedResponse } from './canned-responses.ts';
import { findConfiguration } from './configurations.ts';
import { setUp } from './instrument.ts';
import { CANNED_BASE_URL, gcMode } from './openai-bench.ts';
import { findWorkload, runCalls, type WorkloadId } from './workloads.ts';

const { values } = parseArgs({
  options: {
    configuration: { type: 'string' },
    workload: { type: 'string' },
    canned: { type: 'string' },
    warmup: { type: 'string' },
    'calls-per-run': { type: 'string', default: '10' },
    gc: { type: 'string', default: 'batch' },
  },
  strict: true,
});

const canned = JSON.parse(readFileSync(values.canned ?? '', 'utf8')) as Record<WorkloadId, CannedResponse>;
const workload = findWorkload(values.workload ?? '');
const callsPerRun = Number(values['calls-per-run']);
// Every workload's request is answered with its own recording; the scaling workloads get the chat answer.
const respond = createResponder(canned[workload.id] ?? canned.chat);
const { client, telemetry, wrappers } = await setUp(findConfiguration(values.configuration ?? ''), 7, {
  simulatorUrl: CANNED_BASE_URL,
  content: false,
  fetch: createCannedFetch(() => respond()),
});

// `batch`: a full collection after the warm-up and after each window, so every window starts from a
// collected heap and pays for collecting the garbage it made (and, as the timed bench's batches
// do, for the code V8 throws away with the shapes nothing holds any more). `none`: no forced
// collection at all, so the windows see the process as a busy app sees it.
const collectGarbage =
  gcMode(values.gc) === 'batch' ? ((globalThis as { gc?: () => void }).gc ?? ((): void => {})) : (): void => {};
await runCalls(client, workload, Number(values.warmup), callsPerRun, wrappers, false);
await telemetry.flush();
collectGarbage();
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const match = /^calls (\d+)$/.exec(line);
  if (match === null) break;
  const spansBefore = telemetry.exporter.spans;
  const bytesBefore = telemetry.exporter.bytes;
  await runCalls(client, workload, Number(match[1]), callsPerRun, wrappers, false);
  await telemetry.flush();
  collectGarbage();
  process.stdout.write(
    `${JSON.stringify({ spans: telemetry.exporter.spans - spansBefore, bytes: telemetry.exporter.bytes - bytesBefore })}\n`,
  );
}
await telemetry.shutdown();
process.exit(0);
