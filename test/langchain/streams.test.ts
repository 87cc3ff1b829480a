/**
 * Streams the caller abandons, stopping reading early (DESIGN principle 2): LangChain sends no end
 * callback for them, and its combinators do not close what runs beneath them, yet every span ends,
 * once, and a real failure is still recorded as one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { diag, DiagLogLevel, SpanStatusCode } from '@opentelemetry/api';
import { RunSpanProcessor } from '@runproof/core';
import { RunproofCallbackHandler } from '@runproof/langchain-adapter';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { RunnableLambda, RunnableParallel, RunnablePassthrough } from '@langchain/core/runnables';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { z } from 'zod';
import type { Simulator } from '../simulator/simulator.ts';
import { createLangChainHarness, useSimulator } from './harness.ts';

const harness = createLangChainHarness();
let sim: Simulator;
useSimulator(harness, (started) => (sim = started));

const LONG_REPLY = Array.from({ length: 80 }, (_, index) => `word${index}`).join(' ');

/** A lambda streaming `count` chunks, one every 2 ms. */
function slowStream(name: string, count = 20) {
  return RunnableLambda.from(async function* () {
    for (let index = 0; index < count; index++) {
      await sleep(2);
      yield `${name}${index} `;
    }
  }).withConfig({ runName: name });
}

function ended(): string[] {
  return harness
    .spans()
    .map((span) => span.name)
    .sort();
}

test('RunnablePassthrough.assign over prompt | model | parser, abandoned after 3 chunks: every span ends', async () => {
  sim.enqueue({ reply: LONG_REPLY, chunkDelayMs: 2 });
  const model = new ChatOpenAI({
    model: 'gpt-4o-mini',
    configuration: { baseURL: sim.url },
    apiKey: 'test',
    maxRetries: 0,
  });
  const chain = RunnablePassthrough.assign({
    answer: ChatPromptTemplate.fromTemplate('Q: {question}').pipe(model).pipe(new StringOutputParser()),
  });
  let chunks = 0;
  for await (const _chunk of await chain.stream({ question: 'Which invoices are overdue?' })) if (++chunks === 3) break;
  assert.deepEqual(ended(), [
    'ChatPromptTemplate',
    'RunnableAssign',
    'RunnableMap',
    'RunnableSequence',
    'StrOutputParser',
    'chat gpt-4o-mini',
  ]);
  for (const span of harness.spans()) assert.equal(span.status.code, SpanStatusCode.UNSET, span.name);
});

test('RunnableParallel abandoned after the first chunk: both branches end, a branch mid-step once the step settles', async () => {
  const chain = RunnableParallel.from({ vendor: slowStream('vendor'), total: slowStream('total') });
  for await (const _chunk of await chain.stream('INV-2291')) break;
  await sleep(20);
  assert.deepEqual(ended(), ['RunnableMap', 'total', 'vendor']);
});

test('a branch still running when the caller abandons the stream keeps its own outcome: its real failure is recorded', async () => {
  const lookup = RunnableLambda.from(async function* () {
    await sleep(20);
    yield 'never';
    throw new Error('unreachable');
  }).withConfig({ runName: 'lookup' });
  // eslint-disable-next-line require-yield -- a stream that fails before its first chunk
  const failing = RunnableLambda.from(async function* () {
    await sleep(20);
    throw new Error('vendor API returned 500');
  }).withConfig({ runName: 'failing' });
  const chain = RunnableParallel.from({ fast: slowStream('fast'), failing, lookup });
  for await (const _chunk of await chain.stream('INV-2291')) break;
  await sleep(60);
  const span = harness.span('failing');
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(span.status.message, 'vendor API returned 500');
  assert.equal(harness.span('lookup').status.code, SpanStatusCode.UNSET);
});

test('a real failure right after the chunk the caller stopped at is still a failure', async () => {
  const flaky = RunnableLambda.from(async function* () {
    yield 'first';
    await sleep(20);
    throw new Error('vendor API down');
  }).withConfig({ runName: 'flaky' });
  for await (const _chunk of await flaky.stream('INV-2291')) {
    // The stream reads ahead: by now the lambda is running again, and fails after the caller left.
    await sleep(5);
    break;
  }
  await sleep(40);
  const span = harness.span('flaky');
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(span.attributes['error.type'], 'Error');
});

test('a failed tool waiting on its streamed parent ends when the caller abandons the stream', async () => {
  const lookup = tool(
    async () => {
      throw new Error('vendor API down');
    },
    { name: 'lookup_vendor', description: 'Finds a vendor.', schema: z.object({ name: z.string() }) },
  );
  const agentish = RunnableLambda.from(async function* (_input: string, config) {
    try {
      await lookup.invoke({ name: 'Acme' }, config);
    } catch {
      yield 'fallback';
    }
    for (let index = 0; index < 20; index++) {
      await sleep(2);
      yield `chunk${index}`;
    }
  }).withConfig({ runName: 'agentish' });
  for await (const _chunk of await agentish.stream('INV-2291')) break;
  assert.deepEqual(ended(), ['agentish', 'execute_tool lookup_vendor']);
  assert.equal(harness.span('execute_tool lookup_vendor').status.code, SpanStatusCode.ERROR);
});

test("a chain run while a transform pulls its first input does not take the transform's span", async () => {
  const other = RunnableLambda.from((text: string) => `${text}!`).withConfig({ runName: 'other' });
  async function* inputs(): AsyncGenerator<string> {
    yield await other.invoke('a');
    for (let index = 0; index < 20; index++) {
      await sleep(2);
      yield `b${index}`;
    }
  }
  // A generator lambda given a stream reads the stream itself.
  const consumer = RunnableLambda.from(async function* (input: unknown) {
    for await (const chunk of input as AsyncIterable<string>) yield chunk;
  }).withConfig({ runName: 'consumer' });
  for await (const _chunk of consumer.transform(inputs(), {})) break;
  assert.deepEqual(ended(), ['consumer', 'other']);
});

test('shutting down while a chain streams: its open spans end as they are, before the exporters flush', async () => {
  sim.enqueue({ reply: LONG_REPLY, chunkDelayMs: 2 });
  const model = new ChatOpenAI({
    model: 'gpt-4o-mini',
    configuration: { baseURL: sim.url },
    apiKey: 'test',
    maxRetries: 0,
  });
  const chain = ChatPromptTemplate.fromTemplate('Q: {question}').pipe(model).pipe(new StringOutputParser());
  const iterator = (await chain.stream({ question: 'Which invoices are overdue?' }))[Symbol.asyncIterator]();
  for (let read = 0; read < 3; read++) await iterator.next();
  assert.deepEqual(ended(), ['ChatPromptTemplate']);
  // What the tracer provider does first when it shuts down.
  await new RunSpanProcessor().shutdown();
  assert.deepEqual(ended(), ['ChatPromptTemplate', 'RunnableSequence', 'StrOutputParser', 'chat gpt-4o-mini']);
  const errors: string[] = [];
  diag.setLogger(
    {
      error: (message) => void errors.push(message),
      warn: () => {},
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.ERROR,
  );
  try {
    await iterator.return?.();
    await sleep(20);
  } finally {
    diag.disable();
  }
  assert.deepEqual(errors, [], 'nothing ends twice when the caller leaves afterwards');
  assert.equal(harness.spans().length, 4);
});

test('a handler made per request is not kept once its runs have ended (only open runs wait for shutdown)', async () => {
  const openCalls = (globalThis as Record<symbol, Set<unknown> | undefined>)[Symbol.for('runproof:open-calls')];
  const model = new ChatOpenAI({
    model: 'gpt-4o-mini',
    configuration: { baseURL: sim.url },
    apiKey: 'test',
    maxRetries: 0,
  });
  for (let request = 0; request < 5; request++) {
    sim.enqueue({ reply: 'Paris.' });
    await model.invoke('Capital of France?', { callbacks: [new RunproofCallbackHandler()] });
  }
  assert.equal(openCalls?.size, 0);
});
