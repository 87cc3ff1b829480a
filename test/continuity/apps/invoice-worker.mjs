// A user's worker that triages one invoice as a durable run of five steps, each one model call.
// Run with `--import @runproof/core/register`; the environment says what goes wrong this time:
//   RUN_ID, RUNPROOF_STORE, OPENAI_BASE_URL      which run, where its journal is, the model API
//   KILL_IN_STEP=3     SIGKILL itself in step 3, after its model call answered and before it returns
//   TERM_IN_STEP=3     the same with SIGTERM, which Runproof's exit handling lets end the process
//   FAIL_IN_STEP=2     throw in step 2, after its model call
//   HANDOFF=1          hand the run off to ap-team after step 2; `handoff()`'s answer decides step 3
//   BY=ap-team, INPUT={"approved":true}   who picks the run up, and what they decided
//   HOLD_MS=500        wait that long in step 1 (to test two executors at once)
//   MAX_MODEL_CALLS=5  the run's budget of model calls, over all its attempts
//   STORE_DOWN_IN_STEP=2  in step 2, after its model call, ask the parent (IPC) to stop the store's server
import OpenAI from 'openai';
import { handoff, run, step } from '@runproof/core';

const client = new OpenAI({ apiKey: 'test', baseURL: process.env.OPENAI_BASE_URL, maxRetries: 0 });
const killIn = Number(process.env.KILL_IN_STEP ?? 0);
const failIn = Number(process.env.FAIL_IN_STEP ?? 0);
const durable = process.env.BY
  ? { by: process.env.BY, input: process.env.INPUT ? JSON.parse(process.env.INPUT) : undefined }
  : true;

async function ask(number, question) {
  const completion = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: `step ${number}: ${question}` }],
  });
  if (number === 1 && process.env.HOLD_MS)
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.HOLD_MS)));
  if (number === killIn) process.kill(process.pid, 'SIGKILL');
  if (number === Number(process.env.TERM_IN_STEP)) {
    process.kill(process.pid, 'SIGTERM'); // as an orchestrator stops a pod
    await new Promise(() => {});
  }
  if (number === failIn) throw new Error(`step ${number} failed`);
  if (number === Number(process.env.STORE_DOWN_IN_STEP)) {
    process.send('stop the store');
    await new Promise((resolve) => process.once('message', resolve));
  }
  return { step: number, answer: completion.choices[0].message.content };
}

try {
  const result = await run(
    {
      name: 'invoice-triage',
      id: process.env.RUN_ID,
      durable,
      boundary: { maxModelCalls: Number(process.env.MAX_MODEL_CALLS ?? 5) },
    },
    async () => {
      const fields = await step('extract', () => ask(1, 'extract the fields'));
      const verdict = await step('classify', () => ask(2, 'classify the invoice'));
      if (process.env.HANDOFF) {
        const decision = await handoff({ to: 'ap-team', reason: 'amount over the approval limit' });
        if (!decision?.approved) return { posted: false };
      }
      const check = await step('check', () => ask(3, 'check the vendor'));
      const draft = await step('draft', () => ask(4, 'draft the entry'));
      const posted = await step('post', () => ask(5, 'post it'));
      return { fields, verdict, check, draft, posted };
    },
  );
  process.stdout.write(`${JSON.stringify({ result })}\n`);
} catch (error) {
  process.stdout.write(
    `${JSON.stringify({ error: { name: error.name, code: error.code, message: error.message } })}\n`,
  );
  process.exitCode = 1;
}
