/**
 * Summarizes a V8 CPU profile written by `npm run bench -- --profile <configuration>`: self time by
 * package (Runproof's own, OpenTelemetry, `openai`, Node internals, GC) and the top functions.
 * With `--baseline` (the profile of another configuration that made the same calls, e.g. the
 * uninstrumented one), it prints the difference instead: where the added time goes.
 *
 *   node test/bench/profile-summary.ts .tmp/bench-profiles/in-process-runproof-openai7.cpuprofile \
 *     [--baseline .tmp/bench-profiles/in-process-baseline-openai7.cpuprofile] [--top 30] [--match packages/] [--inclusive]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

interface Summary {
  total: number;
  byOwner: Map<string, number>;
  byFunction: Map<string, number>;
  /** Time with the function anywhere on the stack (counted once per sample). */
  inclusive: Map<string, number>;
}

const { values, positionals } = parseArgs({
  options: {
    baseline: { type: 'string' },
    top: { type: 'string', default: '30' },
    match: { type: 'string', default: '' },
    inclusive: { type: 'boolean', default: false },
  },
  allowPositionals: true,
  strict: true,
});
if (positionals.length !== 1) {
  process.stderr.write(
    'usage: node test/bench/profile-summary.ts <file.cpuprofile> [--baseline <file.cpuprofile>] [--top N] [--match SUBSTRING]\n',
  );
  process.exit(2);
}

/** Which package a frame belongs to, from its script URL. */
function ownerOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const modules = url.split('/node_modules/');
  if (modules.length > 1) {
    const path = modules[modules.length - 1]!.split('/');
    return path[0]!.startsWith('@') ? `${path[0]}/${path[1]}` : path[0]!;
  }
  const workspace = /\/packages\/([^/]+)\//.exec(url);
  if (workspace !== null) return `@runproof/${workspace[1]}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return url.replace(/^file:\/\/.*\/(test\/)/, '$1');
}

function keyOf(frame: ProfileNode['callFrame']): string {
  const where =
    frame.url === ''
      ? ''
      : `  ${frame.url.replace(/^.*\/(packages|node_modules)\//, '$1/').replace(/^file:\/\//, '')}:${frame.lineNumber + 1}`;
  return `${frame.functionName || '(anonymous)'}${where}`;
}

function summarize(file: string): Summary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const summary: Summary = { total: 0, byOwner: new Map(), byFunction: new Map(), inclusive: new Map() };
  const add = (map: Map<string, number>, key: string, micros: number): void =>
    void map.set(key, (map.get(key) ?? 0) + micros);
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    const frame = frames.get(id)!;
    if (frame.functionName === '(idle)') return;
    summary.total += micros;
    add(summary.byOwner, ownerOf(frame), micros);
    add(summary.byFunction, keyOf(frame), micros);
    const onStack = new Set<string>();
    for (let node: number | undefined = id; node !== undefined; node = parents.get(node))
      onStack.add(keyOf(frames.get(node)!));
    for (const key of onStack) add(summary.inclusive, key, micros);
  });
  return summary;
}

function difference(a: Map<string, number>, b: Map<string, number> | undefined): [string, number][] {
  const keys = new Set([...a.keys(), ...(b?.keys() ?? [])]);
  return [...keys]
    .map((key): [string, number] => [key, (a.get(key) ?? 0) - (b?.get(key) ?? 0)])
    .sort((x, y) => y[1] - x[1]);
}

const subject = summarize(positionals[0]!);
const baseline = values.baseline === undefined ? undefined : summarize(values.baseline);
const ms = (micros: number): string => `${(micros / 1000).toFixed(0).padStart(7)} ms`;
const out = (line: string): void => void process.stdout.write(`${line}\n`);

out(
  `busy (non-idle) time: ${ms(subject.total)}${baseline ? `; baseline ${ms(baseline.total)}; difference ${ms(subject.total - baseline.total)}` : ''}`,
);
out(`\nself time by package${baseline ? ', minus the baseline' : ''}`);
for (const [owner, micros] of difference(subject.byOwner, baseline?.byOwner).slice(0, 25))
  out(`${ms(micros)}  ${owner}`);
const measure = values.inclusive ? 'total (inclusive) time' : 'self time';
out(
  `\ntop functions by ${measure}${baseline ? ', minus the baseline' : ''}${values.match ? ` (location contains "${values.match}")` : ''}`,
);
const functions = difference(
  values.inclusive ? subject.inclusive : subject.byFunction,
  values.inclusive ? baseline?.inclusive : baseline?.byFunction,
).filter(([key]) => key.includes(values.match));
for (const [key, micros] of functions.slice(0, Number(values.top))) out(`${ms(micros)}  ${key}`);
