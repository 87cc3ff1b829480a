/**
 * Runs the simulator as its own process, for the benchmark and for manual runs:
 *
 *   node test/simulator/main.ts [--port N] [--host H] [--chunk-delay-ms N] [--no-record]
 *
 * Prints `SIMULATOR_URL=<base url>` on stdout once listening; exits on SIGTERM / SIGINT.
 * Nothing is logged per request; `--no-record` keeps memory flat over long runs.
 */
import { parseArgs } from 'node:util';
import { startSimulator } from './simulator.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'chunk-delay-ms': { type: 'string', default: '2' },
    'no-record': { type: 'boolean', default: false },
  },
  strict: true,
});

const port = parseNonNegativeInteger('--port', values.port);
const chunkDelayMs = parseNonNegativeInteger('--chunk-delay-ms', values['chunk-delay-ms']);
const simulator = await startSimulator({ port, host: values.host, chunkDelayMs, record: !values['no-record'] });
process.stdout.write(`SIMULATOR_URL=${simulator.url}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  simulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

function parseNonNegativeInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`${flag} expects a non-negative integer, got "${text}"\n`);
    process.exit(2);
  }
  return value;
}
