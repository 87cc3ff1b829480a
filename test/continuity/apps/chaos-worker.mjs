// A worker of the chaos test: takes durable runs from a shared list (RUN_IDS, comma-separated) in
// its own random order until every one of them has completed, here or in another worker. Each run
// is three steps, each one model call. Other workers are killed around it at any moment.
import OpenAI from 'openai';
import { RunInProgressError, run, step } from '@runproof/core';

const client = new OpenAI({ apiKey: 'test', baseURL: process.env.OPENAI_BASE_URL, maxRetries: 0 });
const pending = process.env.RUN_IDS.split(',').sort(() => Math.random() - 0.5);

async function ask(runId, number) {
  const completion = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: `${runId} step ${number}` }],
  });
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.STEP_DELAY_MS ?? 0))); // work after the call: a kill lands mid-step
  return completion.choices[0].message.content;
}

while (pending.length > 0) {
  const runId = pending.shift();
  try {
    await run({ name: 'chaos', id: runId, durable: true, boundary: { maxModelCalls: 12 } }, async () => {
      const a = await step('one', () => ask(runId, 1));
      const b = await step('two', () => ask(runId, 2));
      const c = await step('three', () => ask(runId, 3));
      return [a, b, c].map((answer) => answer.length);
    });
  } catch (error) {
    if (!RunInProgressError.isInstance(error)) {
      process.stderr.write(`run ${runId}: ${error?.code ?? ''} ${error?.message}\n`);
    }
    pending.push(runId); // someone else has it, or this attempt failed: come back to it later
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
process.stdout.write('done\n');
