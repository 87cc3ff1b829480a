// Makes many runs while the tracing backend is down, slow or failing, then shuts down.
import { start, run, step } from '@runproof/core';

const handle = start({ serviceName: 'load', metricExporters: ['none'] });
const runs = Number(process.env.RUNS ?? 1000);
globalThis.gc();
const heapBefore = process.memoryUsage().heapUsed;
let completed = 0;
for (let index = 0; index < runs; index += 1) {
  completed += await run({ name: 'load', conditions: { index: index % 7 } }, () => step('work', () => 1));
}
globalThis.gc();
const heapAfter = process.memoryUsage().heapUsed;
const shutdownStarted = Date.now();
await handle.shutdown();
process.stdout.write(
  `${JSON.stringify({ completed, heapGrowthBytes: heapAfter - heapBefore, shutdownMs: Date.now() - shutdownStarted })}\n`,
);
