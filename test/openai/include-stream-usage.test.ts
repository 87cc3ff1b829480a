/**
 * The instrumentation's `includeStreamUsage` option: streamed chat completions ask the API for
 * their usage, so budgets count what it reports instead of an estimate. Opt-in only, since the app
 * then receives one more chunk. A harness of its own, built with that option.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, beforeEach, test } from 'node:test';
import { run } from '@runproof/core';
import { createTestHarness } from '@runproof/core/testing';
import { createInstrumentation } from '@runproof/openai-adapter';
import type OpenAIType from 'openai';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';

const harness = createTestHarness({ instrumentations: [createInstrumentation({ includeStreamUsage: true })] });
const OpenAI = (createRequire(import.meta.url)('openai') as { default: typeof OpenAIType }).default;

let simulator: Simulator;
let client: InstanceType<typeof OpenAIType>;
before(async () => {
  simulator = await startSimulator({ chunkDelayMs: 0 });
  client = new OpenAI({ apiKey: 'sk-test', baseURL: simulator.url, maxRetries: 0, logLevel: 'off' });
});
after(() => simulator.close());
beforeEach(async () => {
  simulator.reset();
  await harness.reset();
});

const messages = [{ role: 'user' as const, content: 'What is the capital of France?' }];
const budget = { name: 'budget', maxTotalTokens: 10_000 };

test('includeStreamUsage: true asks for the usage of a streamed chat completion; the budget counts it as reported, not estimated', async () => {
  simulator.enqueue({ reply: 'Paris.', usage: { inputTokens: 14, outputTokens: 2 } });
  const chunks = await run({ name: 'with-usage', boundary: budget }, async () => {
    const received: unknown[] = [];
    for await (const chunk of await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages }))
      received.push(chunk);
    return received as { choices: unknown[]; usage?: unknown }[];
  });
  assert.deepEqual((simulator.requests[0]?.body as { stream_options?: unknown }).stream_options, {
    include_usage: true,
  });
  // What the option changes for the app: the last chunk has no choices and carries the usage.
  assert.deepEqual(chunks.at(-1)?.choices, []);
  assert.deepEqual(chunks.at(-1)?.usage, {
    prompt_tokens: 14,
    completion_tokens: 2,
    total_tokens: 16,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  });
  const span = harness.span('chat gpt-4o-mini');
  assert.deepEqual(
    {
      input: span.attributes['gen_ai.usage.input_tokens'],
      output: span.attributes['gen_ai.usage.output_tokens'],
      estimated: span.attributes['runproof.usage.estimated'],
    },
    { input: 14, output: 2, estimated: undefined },
  );
});

test('includeStreamUsage leaves alone a request that set include_usage itself, one that is not streamed, and the Responses API', async () => {
  for await (const chunk of await client.chat.completions.create({
    model: 'gpt-4o-mini',
    stream: true,
    stream_options: { include_usage: false },
    messages,
  }))
    void chunk;
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
  for await (const event of await client.responses.create({ model: 'gpt-4o-mini', stream: true, input: 'Hi' }))
    void event;
  assert.deepEqual(
    simulator.requests.map((request) => (request.body as { stream_options?: unknown }).stream_options),
    [{ include_usage: false }, undefined, undefined],
  );
});
