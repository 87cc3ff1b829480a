import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatOpenAI } from '@langchain/openai';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { BoundaryViolationError, run } from '@runproof/core';
import type { ReadableSpan } from '@runproof/core/testing';
import type { Simulator } from '../simulator/simulator.ts';
import { createLangChainHarness, useSimulator } from './harness.ts';

// A LangChain chat model whose stream reports no usage (ChatOpenAI with streamUsage: false) is
// estimated for the run's token budget — never counted as zero — through the real ChatOpenAI
// against the simulator.
const harness = createLangChainHarness();
let sim: Simulator;
useSimulator(harness, (started) => (sim = started));

const QUESTION = 'What is the capital of France?';
const ANSWER = 'The capital of France is Paris, a city on the Seine known for its museums.';
/** What the adapter counts as the input of one human message: its type, then its text. */
const INPUT_TOKENS = countTokens(`human\n${QUESTION}`);
const OUTPUT_TOKENS = countTokens(ANSWER);

const createModel = (streamUsage: boolean) =>
  new ChatOpenAI({
    model: 'gpt-4o-mini',
    streamUsage,
    configuration: { baseURL: sim.url },
    apiKey: 'test',
    maxRetries: 0,
  });
const chatSpans = (): ReadableSpan[] => harness.spans().filter((span) => span.name === 'chat gpt-4o-mini');
const usageOf = (span: ReadableSpan) => ({
  input: span.attributes['gen_ai.usage.input_tokens'],
  output: span.attributes['gen_ai.usage.output_tokens'],
  estimated: span.attributes['runproof.usage.estimated'],
  decision: span.attributes['runproof.boundary.decision'],
});

/** Streams answers in one guarded run until the boundary halts one; returns how many were read whole, and the error. */
async function streamUntilHalted(
  streamUsage: boolean,
  maxTotalTokens: number,
): Promise<{ received: number; error: unknown }> {
  const model = createModel(streamUsage);
  let received = 0;
  const error = await run(
    { name: 'langchain-streamed', boundary: { name: 'small-budget', maxTotalTokens } },
    async () => {
      for (let call = 0; call < 10; call += 1) {
        let text = '';
        for await (const chunk of await model.stream(QUESTION)) text += chunk.text;
        assert.equal(text, ANSWER);
        received += 1;
      }
    },
  ).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  return { received, error };
}

test('ChatOpenAI streaming without usage (streamUsage: false) is estimated against maxTotalTokens: the call after the budget is spent is halted before it is sent', async () => {
  sim.enqueue({ reply: ANSWER, times: Infinity });
  const { received, error } = await streamUntilHalted(false, 3 * (INPUT_TOKENS + OUTPUT_TOKENS) - 1);
  assert.ok(BoundaryViolationError.isInstance(error), `expected a halt, got ${String(error)}`);
  assert.equal(error.rule, 'max_total_tokens');
  assert.equal(received, 3);
  assert.equal(sim.requests.length, 3, 'the fourth call was never sent');
  assert.equal(
    (sim.requests[0]?.body as { stream_options?: unknown }).stream_options,
    undefined,
    'the request the app sends is unchanged',
  );
  const estimated = { input: undefined, output: undefined, estimated: true, decision: 'allow' };
  assert.deepEqual(chatSpans().map(usageOf), [
    estimated,
    estimated,
    { ...estimated, decision: 'halt' },
    { input: undefined, output: undefined, estimated: undefined, decision: 'halt' },
  ]);
});

test('ChatOpenAI streaming with its default streamUsage counts the reported usage, not marked estimated', async () => {
  sim.enqueue({ reply: ANSWER, times: Infinity, usage: { inputTokens: INPUT_TOKENS, outputTokens: OUTPUT_TOKENS } });
  const { received, error } = await streamUntilHalted(true, 3 * (INPUT_TOKENS + OUTPUT_TOKENS) - 1);
  assert.ok(BoundaryViolationError.isInstance(error));
  assert.equal(received, 3);
  assert.deepEqual(chatSpans()[0] && usageOf(chatSpans()[0]!), {
    input: INPUT_TOKENS,
    output: OUTPUT_TOKENS,
    estimated: undefined,
    decision: 'allow',
  });
});

test('a LangChain stream the caller stops reading counts its input and the chunks it streamed', async () => {
  sim.enqueue({ reply: ANSWER, times: Infinity });
  const model = createModel(false);
  // Room for the first call's input and a few chunks, not for a second call's input.
  const budget = 2 * INPUT_TOKENS + 2;
  const error = await run(
    { name: 'langchain-abandoned', boundary: { name: 'small-budget', maxTotalTokens: budget } },
    async () => {
      let chunks = 0;
      for await (const chunk of await model.stream(QUESTION)) if (chunk.text !== '' && ++chunks === 4) break;
      await model.invoke(QUESTION);
    },
  ).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  assert.ok(BoundaryViolationError.isInstance(error), `expected a halt, got ${String(error)}`);
  assert.equal(error.rule, 'max_total_tokens');
  assert.equal(sim.requests.length, 1, 'the second call was never sent');
  const [abandoned, halted] = chatSpans();
  assert.equal(abandoned?.attributes['runproof.usage.estimated'], true);
  assert.equal(halted?.attributes['runproof.boundary.decision'], 'halt');
});
