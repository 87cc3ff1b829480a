/**
 * Where a process's CPU went, from `perf script` text on stdin (a `perf record -g` of a process run
 * with `--perf-basic-prof`, e.g. by `steady.ts --perf`): each sample goes to the first JavaScript
 * frame on its stack, so the builtins, runtime calls and collections a function sets off count as
 * its own. Prints µs per call by owner (Runproof's packages, each dependency, Node's modules) and
 * Runproof's top functions. Samples without a JavaScript frame are the GC's and compiler's threads
 * and the event loop.
 *
 *   perf script -i <perf.data> | node test/bench/perf-attribution.ts --calls 30000 [--frequency 1999] [--top 25]
 */
import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    calls: { type: 'string' },
    frequency: { type: 'string', default: '1999' },
    top: { type: 'string', default: '25' },
  },
  strict: true,
});
const calls = Number(values.calls);
if (!(calls > 0)) throw new Error('--calls: how many calls the recording covers (a positive number)');
const microsPerSample = 1e6 / Number(values.frequency) / calls;

const NO_JS = 'no JavaScript frame (GC and compiler threads, event loop)';
const byOwner = new Map<string, number>();
const byRunproofFunction = new Map<string, number>();
const add = (map: Map<string, number>, key: string): void => void map.set(key, (map.get(key) ?? 0) + 1);

for (const sample of (await text(process.stdin)).split(/\n\s*\n/)) {
  const frames = sample.split('\n').slice(1);
  if (frames.length === 0) continue;
  // A frame line: `<address> JS:*name file:///…/x.js:12:3+0x1c (/tmp/perf-123.map)`.
  const frame = frames.find((line) => / (JS|Script):/.test(line));
  if (frame === undefined) {
    add(byOwner, NO_JS);
    continue;
  }
  const name = frame.replace(/^\s*[0-9a-f]+ /, '').replace(/\+0x[0-9a-f]+ \(.*$/, '');
  const runproof = /\/packages\/([^/]+)\//.exec(name);
  if (runproof !== null) {
    add(byOwner, `Runproof ${runproof[1]}`);
    add(byRunproofFunction, name.replace(/file:\/\/\S*\/packages\//, ''));
    continue;
  }
  const dependency = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(name);
  const nodeModule = /node:([\w/]+)/.exec(name);
  add(byOwner, dependency?.[1] ?? (nodeModule === null ? 'other JavaScript' : `node:${nodeModule[1]}`));
}

const lines = (map: Map<string, number>, count: number): string[] =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, samples]) => `${(samples * microsPerSample).toFixed(2).padStart(8)}  ${key}`);
const total = [...byOwner.values()].reduce((sum, samples) => sum + samples, 0);
process.stdout.write(
  [
    `${(total * microsPerSample).toFixed(1)} CPU µs per call recorded, by owner:`,
    ...lines(byOwner, 20),
    '',
    "Runproof's functions (with what they set off):",
    ...lines(byRunproofFunction, Number(values.top)),
    '',
  ].join('\n'),
);
