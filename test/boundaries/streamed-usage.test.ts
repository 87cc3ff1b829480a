import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { BoundaryViolationError, run, type BoundaryPolicy } from '@runproof/core';
import type { ReadableSpan } from '@runproof/core/testing';
import type { Simulator } from '../simulator/simulator.ts';
import { harness, useSimulator, type Client } from '../openai/setup.ts';

// Unknown usage never counts as zero: a stream that reports no usage (the SDK's default, no
// stream_options.include_usage) or is cut short is estimated for the run's token and cost budgets,
// through the real openai client against the simulator. The estimate is the tokenizer's count
// (gpt-tokenizer, o200k_base) of what the model read and wrote.
let simulator: Simulator;
let client: Client;
useSimulator((fixture) => ({ simulator, client } = fixture), { maxRetries: 0 });

const QUESTION = 'What is the capital of France?';
const ANSWER = 'The capital of France is Paris, a city on the Seine known for its museums.';
/** What the adapter counts as the input of a chat call with one user message: its role, then its text. */
const INPUT_TOKENS = countTokens(`user\n${QUESTION}`);
const OUTPUT_TOKENS = countTokens(ANSWER);

/** Reads a streamed chat completion to its end, as an app printing the answer would. */
async function streamAnswer(options: { includeUsage?: boolean } = {}): Promise<string> {
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    stream: true,
    messages: [{ role: 'user', content: QUESTION }],
    ...(options.includeUsage === true && { stream_options: { include_usage: true } }),
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  return text;
}

/** Streams answers until the boundary halts one (at most `limit`); returns how many the caller received. */
async function streamUntilHalted(
  boundary: BoundaryPolicy,
  options: { includeUsage?: boolean } = {},
  limit = 10,
): Promise<{ received: number; error: unknown }> {
  let received = 0;
  const error = await run({ name: 'streamed-answers', boundary }, async () => {
    for (let call = 0; call < limit; call += 1) {
      assert.equal(await streamAnswer(options), ANSWER);
      received += 1;
    }
  }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  return { received, error };
}

const chatSpans = (): ReadableSpan[] => harness.spans().filter((span) => span.name === 'chat gpt-4o-mini');

function usageOf(span: ReadableSpan): Record<string, unknown> {
  const attributes = span.attributes;
  return {
    input: attributes['gen_ai.usage.input_tokens'],
    output: attributes['gen_ai.usage.output_tokens'],
    estimated: attributes['runproof.usage.estimated'],
    decision: attributes['runproof.boundary.decision'],
  };
}

test('streamed calls that report no usage are estimated against maxTotalTokens: the call after the budget is spent is halted before it is sent', async () => {
  simulator.enqueue({ reply: ANSWER, times: Infinity });
  const perCall = INPUT_TOKENS + OUTPUT_TOKENS;
  // Room for three calls and the input of a fourth, not for its output: the third call's estimate breaks the budget.
  const budget = 3 * perCall - 1;
  const { received, error } = await streamUntilHalted({ name: 'small-budget', maxTotalTokens: budget });

  assert.ok(BoundaryViolationError.isInstance(error), `expected a halt, got ${String(error)}`);
  assert.equal(error.rule, 'max_total_tokens');
  assert.equal(received, 3);
  assert.equal(simulator.requests.length, 3, 'the fourth call was never sent');
  const spans = chatSpans();
  // The estimate goes to the budget only: the GenAI usage attributes (and metrics) stay for usage the API reported.
  const estimated = { input: undefined, output: undefined, estimated: true, decision: 'allow' };
  assert.deepEqual(spans.map(usageOf), [
    estimated,
    estimated,
    { ...estimated, decision: 'halt' },
    { input: undefined, output: undefined, estimated: undefined, decision: 'halt' },
  ]);
  // The third call used what was left and more: the violation is recorded on it, after the fact, with the estimated total.
  const afterTheFact = spans[2]!.events.find((event) => event.name === 'runproof.boundary.violation');
  assert.deepEqual(
    {
      limit: afterTheFact?.attributes?.['runproof.boundary.limit'],
      observed: afterTheFact?.attributes?.['runproof.boundary.observed'],
    },
    { limit: budget, observed: 3 * perCall },
  );
  const tokenUsage = (await harness.metrics()).find((metric) => metric.descriptor.name === 'gen_ai.client.token.usage');
  assert.deepEqual(tokenUsage?.dataPoints ?? [], [], 'no token usage metric for usage the API did not report');
});

test('with stream_options.include_usage the reported usage is counted, and nothing is marked estimated', async () => {
  simulator.enqueue({
    reply: ANSWER,
    times: Infinity,
    usage: { inputTokens: INPUT_TOKENS, outputTokens: OUTPUT_TOKENS },
  });
  const { received, error } = await streamUntilHalted(
    { name: 'small-budget', maxTotalTokens: 3 * (INPUT_TOKENS + OUTPUT_TOKENS) - 1 },
    { includeUsage: true },
  );
  assert.ok(BoundaryViolationError.isInstance(error));
  assert.equal(received, 3, 'halted at the same call as when the usage was estimated');
  assert.deepEqual(
    chatSpans().slice(0, 3).map(usageOf),
    Array(3)
      .fill({ input: INPUT_TOKENS, output: OUTPUT_TOKENS, estimated: undefined, decision: 'allow' })
      .with(2, { input: INPUT_TOKENS, output: OUTPUT_TOKENS, estimated: undefined, decision: 'halt' }),
  );
});

test('a call whose input alone would break the token budget is halted before it is sent', async () => {
  const longQuestion = `Summarize this contract. ${'The supplier shall deliver the goods in good order. '.repeat(40)}`;
  const error = await run({ name: 'long-input', boundary: { name: 'small-budget', maxTotalTokens: 100 } }, () =>
    client.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: longQuestion }],
    }),
  ).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  assert.ok(BoundaryViolationError.isInstance(error), `expected a halt, got ${String(error)}`);
  assert.equal(error.rule, 'max_total_tokens');
  assert.equal(error.observed, countTokens(`user\n${longQuestion}`));
  assert.equal(simulator.requests.length, 0);
  const [span] = chatSpans();
  assert.equal(span?.attributes['runproof.boundary.decision'], 'halt');
  assert.equal(span?.attributes['runproof.usage.estimated'], undefined, 'nothing was used');
});

test('a cost budget counts the estimate too: streamed calls without usage are priced and the budget halts', async () => {
  simulator.enqueue({ reply: ANSWER, times: Infinity });
  // $1 per token in and out: the budget is the token count.
  const price = { input: 1_000_000, output: 1_000_000 };
  const { received, error } = await streamUntilHalted({
    name: 'small-spend',
    maxCostUsd: 3 * (INPUT_TOKENS + OUTPUT_TOKENS) - 1,
    prices: { 'gpt-4o-mini*': price },
  });
  assert.ok(BoundaryViolationError.isInstance(error), `expected a halt, got ${String(error)}`);
  assert.equal(error.rule, 'max_cost_usd');
  assert.equal(received, 3);
  assert.equal(simulator.requests.length, 3);
});

test('a Responses API stream the caller stops reading counts what it streamed: the budget halts the next call', async () => {
  simulator.enqueue({ reply: ANSWER });
  const budget = 2 * countTokens(`user\n${QUESTION}`) + 5;
  const error = await run(
    { name: 'responses-abandoned', boundary: { name: 'small-budget', maxTotalTokens: budget } },
    async () => {
      const stream = await client.responses.create({
        model: 'gpt-4o-mini',
        stream: true,
        input: [{ role: 'user', content: QUESTION }],
      });
      let deltas = 0;
      for await (const event of stream) if (event.type === 'response.output_text.delta' && ++deltas === 8) break;
      await client.responses.create({ model: 'gpt-4o-mini', input: [{ role: 'user', content: QUESTION }] });
    },
  ).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  assert.ok(BoundaryViolationError.isInstance(error), `expected a halt, got ${String(error)}`);
  assert.equal(error.rule, 'max_total_tokens');
  assert.equal(simulator.requests.length, 1, 'the second call was never sent');
  const [abandoned, halted] = chatSpans();
  assert.equal(abandoned?.attributes['runproof.usage.estimated'], true);
  assert.equal(abandoned?.attributes['gen_ai.usage.output_tokens'], undefined);
  assert.equal(halted?.attributes['runproof.boundary.decision'], 'halt');
});
