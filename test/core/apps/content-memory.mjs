// Many runs, each sending one large prompt through the real openai client with content capture
// on, while every span stays queued (the backend never answers and the batch processor holds
// them). Prints how much heap stayed in use, after garbage collection, per run. Needs --expose-gc.
import OpenAI from 'openai';
import { run } from '@runproof/core';

const runs = Number(process.env.RUNS);
const promptBytes = Number(process.env.PROMPT_BYTES);
const client = new OpenAI({ apiKey: 'sk-test', baseURL: process.env.SIMULATOR_URL, maxRetries: 0, logLevel: 'off' });
const line = 'Line 17: 3 x consulting hours at 120.00 EUR, project Atlas, approved by J. Doe.\n';
const invoice = line.repeat(Math.ceil(promptBytes / line.length)).slice(0, promptBytes);

const heapAfterGc = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};

// One run first, so what every run shares (modules, caches, the instruments) is in the baseline.
const triage = (index) =>
  run('invoice-triage', () =>
    client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: `Invoice ${index}. Extract the total.\n${invoice}` }],
    }),
  );
await triage(0);
const before = heapAfterGc();
for (let index = 1; index <= runs; index++) await triage(index);
const after = heapAfterGc();
process.stdout.write(JSON.stringify({ retainedPerRun: Math.round((after - before) / runs) }));
// Exit at once: the queued spans are never sent, and a flush to a backend that never answers would only wait.
process.exit(0);
