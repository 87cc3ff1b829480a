// start() in code, twice: the second call returns the first handle, and the console exporter prints spans.
import { run, start } from '@runproof/core';

const first = start({ serviceName: 'twice', traceExporters: ['console'], metricExporters: ['none'] });
const second = start({ serviceName: 'ignored' });
await run('console-run', () => undefined);
await first.shutdown();
await second.shutdown();
process.stderr.write(
  `${JSON.stringify({ same: first === second, enabled: first.enabled, instrumentations: first.instrumentations, service: first.config.serviceName })}\n`,
);
