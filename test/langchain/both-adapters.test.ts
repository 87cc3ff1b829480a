import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { ChatOpenAI } from '@langchain/openai';
import OpenAI from 'openai';
import { createInstrumentation, instrumentOpenAI } from '@runproof/openai-adapter';
import { BoundaryViolationError, run } from '@runproof/core';
import type { Simulator } from '../simulator/simulator.ts';
import { createLangChainHarness, useSimulator } from './harness.ts';

// LangChain's ChatOpenAI with the OpenAI adapter on too: the OpenAI adapter enriches LangChain's
// model span, so each model call is one span and its tokens are counted once.
const harness = createLangChainHarness([createInstrumentation()]);
const openai = instrumentOpenAI(new OpenAI({ apiKey: 'unused' })); // patches the prototypes every client of this openai copy shares
let sim: Simulator;
useSimulator(harness, (started) => (sim = started));

const model = (maxRetries = 0) =>
  new ChatOpenAI({
    model: 'gpt-4o-mini',
    temperature: 0,
    configuration: { baseURL: sim.url },
    apiKey: 'test',
    maxRetries,
  });

test('one span per ChatOpenAI call, with the GenAI attributes and tokens of the OpenAI adapter, counted once', async () => {
  sim.enqueue({ reply: 'Paris.', usage: { inputTokens: 12, outputTokens: 2 } });
  const answer = await model().invoke('Capital of France?');
  assert.equal(answer.content, 'Paris.');
  const chat = harness.span('chat gpt-4o-mini');
  assert.equal(chat.kind, SpanKind.CLIENT);
  assert.equal(chat.attributes['gen_ai.usage.input_tokens'], 12);
  assert.equal(chat.attributes['gen_ai.usage.output_tokens'], 2);
  assert.equal(chat.attributes['openai.api.type'], 'chat_completions');
  assert.equal(
    chat.attributes['runproof.call.attempts'],
    undefined,
    'one attempt: the attribute is only there for retries',
  );
  const usage = (await harness.metrics()).find((metric) => metric.descriptor.name === 'gen_ai.client.token.usage');
  const sums = usage?.dataPoints
    .map((point) => [point.attributes['gen_ai.token.type'], (point.value as { sum: number }).sum])
    .sort();
  assert.deepEqual(
    sums,
    [
      ['input', 12],
      ['output', 2],
    ],
    'tokens recorded once',
  );
});

test('LangChain retrying a 429 is still one model span, not failed, with the usage of the attempt that answered', async () => {
  sim.enqueue({ status: 429, retryAfterMs: 1 }, { reply: 'Paris.', usage: { inputTokens: 12, outputTokens: 2 } });
  const answer = await model(2).invoke('Capital of France?');
  assert.equal(answer.content, 'Paris.');
  assert.equal(sim.requests.length, 2);
  const chat = harness.span('chat gpt-4o-mini');
  assert.equal(chat.status.code, SpanStatusCode.UNSET);
  assert.equal(chat.attributes['error.type'], undefined);
  assert.equal(chat.attributes['gen_ai.usage.input_tokens'], 12);
});

test('a model the run may not use is halted by the LangChain span before any request', async () => {
  await assert.rejects(
    run({ name: 'guarded', boundary: { name: 'other-models-only', allowedModels: ['gpt-4.1*'] } }, () =>
      model().invoke('Hi'),
    ),
    (error) => error instanceof BoundaryViolationError && error.rule === 'allowed_models',
  );
  assert.equal(sim.requests.length, 0);
  const chat = harness.span('chat gpt-4o-mini');
  assert.equal(chat.attributes['runproof.boundary.decision'], 'halt');
  assert.equal(harness.span('invoke_workflow guarded').attributes['runproof.run.outcome'], 'halted');
});

test('a caller that abandons a ChatOpenAI stream (stops reading early): the model span ends, and the request is cancelled', async () => {
  sim.enqueue({ reply: Array.from({ length: 60 }, (_, index) => `word${index}`).join(' '), chunkDelayMs: 2 });
  let chunks = 0;
  for await (const _chunk of await model().stream('Tell me a long story.')) if (++chunks === 3) break;
  const [request] = await sim.waitForRequests(1);
  assert.equal(request!.closedEarly, true);
  const chat = harness.span('chat gpt-4o-mini');
  assert.equal(chat.ended, true);
  assert.equal(chat.attributes['gen_ai.request.model'], 'gpt-4o-mini');
});

test('a caller that abandons a chain stream (stops reading early): every span of the chain ends, and the request is cancelled', async () => {
  sim.enqueue({ reply: Array.from({ length: 60 }, (_, index) => `word${index}`).join(' '), chunkDelayMs: 2 });
  const chain = ChatPromptTemplate.fromTemplate('Tell me a long story about {topic}.')
    .pipe(model())
    .pipe(new StringOutputParser());
  let chunks = 0;
  for await (const _chunk of await chain.stream({ topic: 'invoices' })) if (++chunks === 3) break;
  const [request] = await sim.waitForRequests(1);
  assert.equal(request!.closedEarly, true);
  const names = harness
    .spans()
    .map((span) => span.name)
    .sort();
  assert.deepEqual(names, ['ChatPromptTemplate', 'RunnableSequence', 'StrOutputParser', 'chat gpt-4o-mini']);
});

test("a ChatOpenAI call that reaches create through another instrumentation's wrapper is guarded once, on the LangChain span", async () => {
  const prototype = Object.getPrototypeOf(openai.chat.completions) as Record<string, unknown>;
  const original = prototype.create as (this: unknown, ...args: unknown[]) => unknown;
  // Shaped as shimmer wraps (what `@opentelemetry/instrumentation-openai` uses), installed after Runproof.
  const wrapped = function otherInstrumentation(this: unknown, ...args: unknown[]): unknown {
    return original.apply(this, args);
  };
  for (const [key, value] of Object.entries({
    __original: original,
    __unwrap: () => (prototype.create = original),
    __wrapped: true,
  })) {
    Object.defineProperty(wrapped, key, { value, configurable: true, writable: true, enumerable: false });
  }
  Object.defineProperty(prototype, 'create', { value: wrapped, configurable: true, writable: true, enumerable: false });

  sim.enqueue({ reply: 'Paris.', usage: { inputTokens: 12, outputTokens: 2 } });
  const answer = await run({ name: 'one-call', boundary: { name: 'one-call', maxModelCalls: 1 } }, () =>
    model().invoke('Capital of France?'),
  );
  assert.equal(answer.content, 'Paris.');
  assert.equal(sim.requests.length, 1);
  const chat = harness.span('chat gpt-4o-mini');
  assert.equal(chat.attributes['runproof.boundary.decision'], 'allow');
  assert.equal(
    chat.attributes['gen_ai.usage.input_tokens'],
    12,
    'the OpenAI adapter still enriched the LangChain span',
  );
});

test('generate() with two prompts at once: two sibling model spans, each enriched by its own request, tokens counted once', async () => {
  sim.enqueue(
    { reply: 'Paris.', usage: { inputTokens: 12, outputTokens: 2 } },
    { reply: 'Rome.', usage: { inputTokens: 18, outputTokens: 3 } },
  );
  await run('two-prompts', () =>
    model().generate([
      [{ role: 'user', content: 'Capital of France?' }],
      [{ role: 'user', content: 'Capital of Italy?' }],
    ] as never),
  );
  const spans = harness.spans();
  const chats = spans.filter((span) => span.name === 'chat gpt-4o-mini');
  const runSpan = harness.span('invoke_workflow two-prompts');
  assert.deepEqual(
    chats.map((span) => span.parentSpanContext?.spanId),
    [runSpan.spanContext().spanId, runSpan.spanContext().spanId],
    'both under the run, neither under the other',
  );
  assert.deepEqual(chats.map((span) => span.attributes['gen_ai.usage.input_tokens']).sort(), [12, 18]);
  assert.ok(
    chats.every((span) => span.attributes['openai.api.type'] === 'chat_completions'),
    'each enriched by the OpenAI adapter',
  );
  const usage = (await harness.metrics()).find((metric) => metric.descriptor.name === 'gen_ai.client.token.usage');
  const sums = usage?.dataPoints
    .map((point) => [point.attributes['gen_ai.token.type'], (point.value as { sum: number }).sum])
    .sort();
  assert.deepEqual(
    sums,
    [
      ['input', 30],
      ['output', 5],
    ],
    'tokens recorded once',
  );
});

test('with content captured, each message attribute is written once, by the OpenAI adapter, in the shape the LangChain adapter alone writes', async () => {
  const written: string[] = [];
  harness.configure({
    captureContent: true,
    redact: (text, { attribute }) => {
      written.push(attribute);
      return text;
    },
  });
  sim.enqueue({ reply: 'Paris.', usage: { inputTokens: 12, outputTokens: 2 } }, { status: 500 });
  await model().invoke('Capital of France?');
  await assert.rejects(model().invoke('Capital of Italy?'));
  const chats = harness.spans().filter((span) => span.name === 'chat gpt-4o-mini');
  assert.equal(chats.length, 2, 'one span per call');
  assert.deepEqual(written, ['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.input.messages']);
  assert.deepEqual(
    chats.map((span) => [span.attributes['gen_ai.input.messages'], span.attributes['gen_ai.output.messages']]),
    [
      [
        '[{"role":"user","parts":[{"type":"text","content":"Capital of France?"}]}]',
        '[{"role":"assistant","parts":[{"type":"text","content":"Paris."}],"finish_reason":"stop"}]',
      ],
      ['[{"role":"user","parts":[{"type":"text","content":"Capital of Italy?"}]}]', undefined],
    ],
  );
});
