/**
 * The OpenAI adapter's per-call parts in a loop, away from everything else a call does: finding a
 * request's declared conditions (`declaredConditions`) and reading a completion into the call's
 * output with its shape's digest (`readResult` then `digestShape`), for the bench's chat and
 * structured requests. With `--other` (a built copy of another commit, `other-tree.ts` makes one)
 * the two trees' parts run in alternating rounds in this process, so the machine's load moves both
 * alike. Prints µs per part, the median over the rounds with its interquartile range.
 *
 *   node test/bench/call-parts.ts [--other /tmp/runproof-<commit>] [--rounds 15] [--iterations 100000]
 *
 * A loop keeps everything in the caches and its code optimized: a part costs several times more
 * inside a real call (`steady.ts --perf`); read the numbers side by side, not as a call's cost.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { WORKSPACE_DIRECTORY } from './install.ts';
import { median, quantile } from './report.ts';
import { findWorkload, requestOf } from './workloads.ts';

const { values } = parseArgs({
  options: {
    other: { type: 'string' },
    rounds: { type: 'string', default: '15' },
    iterations: { type: 'string', default: '100000' },
  },
  strict: true,
});
const rounds = Number(values.rounds);
const iterations = Number(values.iterations);
if (!(Number.isInteger(rounds) && rounds >= 3 && Number.isInteger(iterations) && iterations >= 1000))
  throw new Error('--rounds must be a whole number of at least 3, --iterations one of at least 1000');

interface Parts {
  chatSurface: { readResult(result: unknown, body: unknown, output: unknown, capture: boolean): void };
  declaredConditions(surface: unknown, body: unknown, library: string, target: string | undefined): unknown;
  CallOutput: new () => { shapes: unknown[] };
  digestShape(shape: unknown): string | undefined;
}

/** The adapter's parts from a tree's build (`dist`). */
async function partsOf(tree: string): Promise<Parts> {
  const dist = (file: string): Promise<Record<string, unknown>> =>
    import(pathToFileURL(join(tree, 'packages/openai-adapter/dist', file)).href) as Promise<Record<string, unknown>>;
  const [chat, conditions, surface, shapes] = await Promise.all([
    dist('chat.js'),
    dist('call-conditions.js'),
    dist('surface.js'),
    dist('conditions.js'),
  ]);
  return {
    chatSurface: chat.chatSurface as Parts['chatSurface'],
    declaredConditions: conditions.declaredConditions as Parts['declaredConditions'],
    CallOutput: surface.CallOutput as Parts['CallOutput'],
    digestShape: shapes.digestShape as Parts['digestShape'],
  };
}

// The bench's requests (`workloads.ts`), built anew for each call as an app builds them.
const chatRequest = (): unknown => requestOf(findWorkload('chat'));
const structuredRequest = (): unknown => requestOf(findWorkload('structured'));
const completionText = (content: string): string =>
  JSON.stringify({
    id: 'chatcmpl-Bx7ttf0TgJ1v9lQ4mEoP2aZ3kR8sD',
    object: 'chat.completion',
    created: 1_765_000_000,
    model: 'gpt-4o-mini-2024-07-18',
    system_fingerprint: 'fp_27bebe765c',
    service_tier: 'default',
    choices: [
      { index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null },
    ],
    usage: { prompt_tokens: 65, completion_tokens: 137, total_tokens: 202 },
  });
const CHAT_COMPLETION = completionText('Check that the three visits match PO-88 and that VAT is 20 %, then pay.');
const STRUCTURED_COMPLETION = completionText(
  JSON.stringify({ vendor: 'Acme Corp', total: 1240, currency: 'EUR', checks: ['PO-88', 'VAT 20 %'], approve: true }),
);
const LIBRARY = 'openai@7.0.0';

interface Part {
  name: string;
  /** Objects the part reads, made before the timed loop (a parsed completion per iteration). */
  prepare?: () => unknown[];
  run(parts: Parts, item: unknown): void;
}

const chatBody = chatRequest();
const structuredBody = structuredRequest();
const parsedCompletions = (text: string) => (): unknown[] =>
  Array.from({ length: iterations }, () => JSON.parse(text) as unknown);
const readCompletion = (parts: Parts, completion: unknown, body: unknown): void => {
  const output = new parts.CallOutput();
  parts.chatSurface.readResult(completion, body, output, false);
  parts.digestShape(output.shapes[0]);
};

const PARTS: Part[] = [
  {
    name: 'declared conditions, chat',
    run: (parts) => parts.declaredConditions(parts.chatSurface, chatRequest(), LIBRARY, 'gpt-4o-mini'),
  },
  {
    name: 'declared conditions, structured',
    run: (parts) => parts.declaredConditions(parts.chatSurface, structuredRequest(), LIBRARY, 'gpt-4o-mini'),
  },
  {
    name: 'output and its shape, chat',
    prepare: parsedCompletions(CHAT_COMPLETION),
    run: (parts, completion) => readCompletion(parts, completion, chatBody),
  },
  {
    name: 'output and its shape, structured',
    prepare: parsedCompletions(STRUCTURED_COMPLETION),
    run: (parts, completion) => readCompletion(parts, completion, structuredBody),
  },
];

const trees = [{ label: 'this tree', parts: await partsOf(WORKSPACE_DIRECTORY) }];
if (values.other !== undefined) trees.push({ label: 'other', parts: await partsOf(values.other) });

/** µs per iteration of one round of `part` through `parts`. */
function round(part: Part, parts: Parts): number {
  const items = part.prepare?.() ?? [];
  const started = process.hrtime.bigint();
  for (let index = 0; index < iterations; index += 1) part.run(parts, items[index]);
  return Number(process.hrtime.bigint() - started) / 1000 / iterations;
}

const format = (samples: number[]): string =>
  `${median(samples).toFixed(3)} (${quantile(samples, 0.25).toFixed(3)}…${quantile(samples, 0.75).toFixed(3)})`;

console.log(`${rounds} rounds of ${iterations} iterations; µs per iteration, median (interquartile range)`);
for (const part of PARTS) {
  const samples = trees.map(() => [] as number[]);
  // One uncounted round each first: the code is optimized before anything is counted.
  for (const tree of trees) round(part, tree.parts);
  for (let index = 0; index < rounds; index += 1)
    for (const [position, tree] of trees.entries()) samples[position]!.push(round(part, tree.parts));
  const cells = trees.map((tree, position) => `${tree.label} ${format(samples[position]!)}`);
  console.log(`${part.name.padEnd(34)} ${cells.join('   ')}`);
}
