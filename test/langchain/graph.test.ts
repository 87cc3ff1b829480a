import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { Document } from '@langchain/core/documents';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { BaseRetriever } from '@langchain/core/retrievers';
import { RunnableLambda, RunnableSequence } from '@langchain/core/runnables';
import { tool, type ToolRunnableConfig } from '@langchain/core/tools';
import { Annotation, Command, END, interrupt, MemorySaver, START, StateGraph } from '@langchain/langgraph';
import { ChatOpenAI } from '@langchain/openai';
import { run } from '@runproof/core';
import { z } from 'zod';
import type { Simulator } from '../simulator/simulator.ts';
import { createLangChainHarness, parentOf, useSimulator } from './harness.ts';

const harness = createLangChainHarness();
let sim: Simulator;
useSimulator(harness, (started) => (sim = started));

function createApprovalGraph() {
  const State = Annotation.Root({ amount: Annotation<number>, decision: Annotation<string> });
  return new StateGraph(State)
    .addNode('review', (state) => ({
      decision: interrupt<{ question: string }, string>({ question: `Approve ${state.amount}?` }),
    }))
    .addNode('book', (state) => ({ decision: `${state.decision}: booked` }))
    .addEdge(START, 'review')
    .addEdge('review', 'book')
    .addEdge('book', END)
    .compile({ checkpointer: new MemorySaver(), name: 'approval' });
}

test('interrupt() marks the node and graph interrupted, not failed, and a Command resume continues the same run id with a link', async () => {
  const graph = createApprovalGraph();
  const config = { configurable: { thread_id: 'invoice-42' } };
  const paused = await graph.invoke({ amount: 1280 }, config);
  assert.ok('__interrupt__' in paused);
  const interruptedGraph = harness.span('approval');
  const review = harness.span('step review');
  for (const span of [interruptedGraph, review]) {
    assert.equal(span.status.code, SpanStatusCode.UNSET, span.name);
    assert.equal(span.attributes['runproof.step.interrupted'], true, span.name);
    assert.equal(span.attributes['error.type'], undefined, span.name);
  }
  const runId = interruptedGraph.attributes['runproof.run.id'];
  assert.match(String(runId), /^[0-9a-f-]{36}$/);
  assert.deepEqual(interruptedGraph.attributes, {
    'gen_ai.conversation.id': 'invoice-42',
    'runproof.run.id': runId,
    'runproof.run.continuation': 'new',
    'runproof.step.interrupted': true,
  });
  assert.equal(review.attributes['runproof.run.id'], runId, 'children carry the run id through baggage');

  await harness.reset();
  const resumed = await graph.invoke(new Command({ resume: 'approved' }), config);
  assert.equal(resumed.decision, 'approved: booked');
  const resumedGraph = harness.span('approval');
  assert.deepEqual(resumedGraph.attributes, {
    'gen_ai.conversation.id': 'invoice-42',
    'runproof.run.id': runId,
    'runproof.run.continuation': 'resume',
  });
  assert.equal(resumedGraph.links.length, 1);
  assert.deepEqual(resumedGraph.links[0]!.context, interruptedGraph.spanContext());
  assert.deepEqual(resumedGraph.links[0]!.attributes, { 'runproof.run.continuation': 'resume' });
  assert.equal(harness.span('step book').attributes['runproof.run.id'], runId);
  assert.equal(harness.span('step book').attributes['runproof.step.interrupted'], undefined);
});

test('inside run() the graph keeps the run of the caller', async () => {
  const graph = createApprovalGraph();
  const runId = await run('approvals', async (current) => {
    await graph.invoke({ amount: 5 }, { configurable: { thread_id: 'invoice-43' } });
    return current.id;
  });
  const graphSpan = harness.span('approval');
  assert.equal(graphSpan.attributes['runproof.run.id'], runId);
  assert.equal(graphSpan.attributes['runproof.run.continuation'], undefined);
  assert.equal(parentOf(graphSpan, harness.spans())?.name, 'invoke_workflow approvals');
});

class ArchiveRetriever extends BaseRetriever {
  override lc_namespace = ['test', 'retrievers'];

  override async _getRelevantDocuments(query: string): Promise<Document[]> {
    return [new Document({ pageContent: `Invoice policy for ${query}: approve under 1000 EUR.` })];
  }
}

test('a retriever chain records the retrieval, the prompt chain and the model call under one sequence', async () => {
  const model = new ChatOpenAI({
    model: 'gpt-4o-mini',
    configuration: { baseURL: sim.url },
    apiKey: 'test',
    maxRetries: 0,
  });
  const prompt = ChatPromptTemplate.fromMessages([
    ['system', 'Answer from: {context}'],
    ['human', '{question}'],
  ]);
  const retriever = new ArchiveRetriever();
  const chain = RunnableSequence.from([
    {
      context: retriever.pipe(
        RunnableLambda.from((documents: Document[]) => documents.map((document) => document.pageContent).join('\n')),
      ),
      question: (input: string) => input,
    },
    prompt,
    model,
  ]).withConfig({ runName: 'policy-qa' });
  sim.enqueue({ reply: 'Approve it.' });
  const answer = await chain.invoke('invoices');
  assert.equal(answer.content, 'Approve it.');
  const spans = harness.spans();
  const root = harness.span('policy-qa');
  const retrieval = harness.span('retrieval ArchiveRetriever');
  assert.equal(retrieval.kind, SpanKind.INTERNAL);
  assert.deepEqual(retrieval.attributes, { 'gen_ai.operation.name': 'retrieval' });
  const chat = harness.span('chat gpt-4o-mini');
  assert.equal(parentOf(chat, spans), root);
  assert.ok(spans.every((span) => span.spanContext().traceId === root.spanContext().traceId));
});

test('a streamed model call records usage, the stream flag and time to first chunk', async () => {
  const model = new ChatOpenAI({
    model: 'gpt-4o-mini',
    configuration: { baseURL: sim.url },
    apiKey: 'test',
    maxRetries: 0,
    streamUsage: true,
  });
  sim.enqueue({ reply: 'Paris is the capital of France.', usage: { inputTokens: 11, outputTokens: 7 } });
  let text = '';
  for await (const chunk of await model.stream('Capital of France?')) text += chunk.text;
  assert.equal(text, 'Paris is the capital of France.');
  const span = harness.span('chat gpt-4o-mini');
  assert.equal(span.kind, SpanKind.CLIENT);
  assert.equal(span.attributes['gen_ai.request.stream'], true);
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], 11);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], 7);
  assert.equal(typeof span.attributes['gen_ai.response.time_to_first_chunk'], 'number');
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
  const metrics = await harness.metrics();
  const usage = metrics.find((metric) => metric.descriptor.name === 'gen_ai.client.token.usage');
  assert.deepEqual(
    usage?.dataPoints
      .map((point) => [point.attributes['gen_ai.token.type'], (point.value as { sum?: number }).sum])
      .sort(),
    [
      ['input', 11],
      ['output', 7],
    ],
  );
});

test('streamMode updates and values yield exactly what LangGraph yields, and every node span ends', async () => {
  const State = Annotation.Root({ amount: Annotation<number>, note: Annotation<string> });
  const graph = new StateGraph(State)
    .addNode('double', (state) => ({ amount: state.amount * 2 }))
    .addNode('describe', (state) => ({ note: `amount is ${state.amount}` }))
    .addEdge(START, 'double')
    .addEdge('double', 'describe')
    .addEdge('describe', END)
    .compile({ name: 'doubler' });
  const updates: unknown[] = [];
  for await (const chunk of await graph.stream({ amount: 21 }, { streamMode: 'updates' })) updates.push(chunk);
  assert.deepEqual(updates, [{ double: { amount: 42 } }, { describe: { note: 'amount is 42' } }]);
  const values: unknown[] = [];
  for await (const chunk of await graph.stream({ amount: 1 }, { streamMode: 'values' })) values.push(chunk);
  assert.deepEqual(values, [{ amount: 1 }, { amount: 2 }, { amount: 2, note: 'amount is 2' }]);
  const nodes = harness.spans().filter((span) => span.name === 'step double' || span.name === 'step describe');
  assert.equal(nodes.length, 4, 'two nodes, two streams');
  assert.ok(nodes.every((span) => span.status.code === SpanStatusCode.UNSET));
});

test('a caller that abandons a graph stream after the first node: the graph span ends, not as a failure', async () => {
  const State = Annotation.Root({ total: Annotation<number> });
  const graph = new StateGraph(State)
    .addNode('extract', () => ({ total: 1240 }))
    .addNode('check', () => ({ total: 1241 }))
    .addEdge(START, 'extract')
    .addEdge('extract', 'check')
    .addEdge('check', END)
    .compile({ name: 'triage' });
  for await (const update of await graph.stream({ total: 0 }, { streamMode: 'updates' })) {
    assert.deepEqual(update, { extract: { total: 1240 } });
    break;
  }
  const names = harness.spans().map((span) => span.name);
  assert.ok(names.includes('triage'), `the graph span ended: ${names.join(', ')}`);
  assert.ok(names.includes('step extract'));
  // Leaving early is not a failure, although LangGraph reports an `Abort` error for it.
  assert.deepEqual(harness.span('triage').status, { code: SpanStatusCode.UNSET });
  assert.equal(harness.span('triage').attributes['error.type'], undefined);
});

test("abandoning a graph stream while a node's model call streams: the model span ends, not as a failure", async () => {
  sim.enqueue({ reply: Array.from({ length: 80 }, (_, index) => `word${index}`).join(' '), chunkDelayMs: 2 });
  const model = new ChatOpenAI({
    model: 'gpt-4o-mini',
    configuration: { baseURL: sim.url },
    apiKey: 'test',
    maxRetries: 0,
  });
  const State = Annotation.Root({ answer: Annotation<string> });
  const graph = new StateGraph(State)
    .addNode('ask', async () => ({ answer: (await model.invoke('Which invoices are overdue?')).text }))
    .addEdge(START, 'ask')
    .addEdge('ask', END)
    .compile({ name: 'triage' });
  let chunks = 0;
  for await (const _chunk of await graph.stream({ answer: '' }, { streamMode: 'messages' })) if (++chunks === 3) break;
  await sleep(50);
  const chat = harness.span('chat gpt-4o-mini');
  assert.equal(chat.status.code, SpanStatusCode.UNSET);
  assert.equal(chat.attributes['error.type'], undefined);
});

test("abandoning a graph stream while a node's tool awaits abortable work: the tool span ends, not as a failure", async () => {
  const lookup = tool(
    async (_input, config: ToolRunnableConfig) => {
      await sleep(200, undefined, { signal: config.signal });
      return 'Acme Corp';
    },
    { name: 'lookup_vendor', description: 'Finds a vendor.', schema: z.object({ name: z.string() }) },
  );
  const State = Annotation.Root({ total: Annotation<number>, vendor: Annotation<string> });
  const graph = new StateGraph(State)
    .addNode('extract', () => ({ total: 1240 }))
    .addNode('lookup', async (_state, config) => ({ vendor: String(await lookup.invoke({ name: 'Acme' }, config)) }))
    .addEdge(START, 'extract')
    .addEdge('extract', 'lookup')
    .addEdge('lookup', END)
    .compile({ name: 'triage' });
  for await (const _update of await graph.stream({ total: 0 }, { streamMode: 'updates' })) {
    await sleep(20);
    break;
  }
  await sleep(50);
  const span = harness.span('execute_tool lookup_vendor');
  assert.equal(span.status.code, SpanStatusCode.UNSET);
  assert.equal(span.attributes['error.type'], undefined);
});

test('a subgraph handing over to its parent (Command.PARENT) is not a failure', async () => {
  const State = Annotation.Root({ route: Annotation<string> });
  const triage = new StateGraph(State)
    .addNode(
      'escalate',
      () => new Command({ graph: Command.PARENT, goto: 'human_review', update: { route: 'escalated' } }),
    )
    .addEdge(START, 'escalate')
    .compile({ name: 'triage' });
  const graph = new StateGraph(State)
    .addNode('triage', triage, { ends: ['human_review'] })
    .addNode('human_review', (state) => ({ route: `${state.route}, reviewed` }))
    .addEdge(START, 'triage')
    .addEdge('human_review', END)
    .compile({ name: 'invoice_flow' });
  assert.deepEqual(await graph.invoke({ route: 'new' }), { route: 'escalated, reviewed' });
  const failed = harness
    .spans()
    .filter((span) => span.status.code !== SpanStatusCode.UNSET || span.attributes['error.type'] !== undefined);
  assert.deepEqual(
    failed.map((span) => span.name),
    [],
  );
  assert.ok(
    harness.spans().some((span) => span.name === 'step human_review'),
    harness
      .spans()
      .map((span) => span.name)
      .join(', '),
  );
});

test('a tool error that fails the graph stays content on every span it fails, not only on the tool span', async () => {
  const secret = 'card 4111-1111-1111-1111 declined for Jane Roe';
  const charge = tool(
    async () => {
      throw new Error(secret);
    },
    { name: 'charge_card', description: 'Charges a card', schema: z.object({ invoice: z.string() }) },
  );
  const State = Annotation.Root({ receipt: Annotation<string> });
  const graph = new StateGraph(State)
    .addNode('pay', async () => ({ receipt: String(await charge.invoke({ invoice: 'INV-7' })) }))
    .addEdge(START, 'pay')
    .addEdge('pay', END)
    .compile({ name: 'payment' });
  await assert.rejects(graph.invoke({ receipt: '' }), { message: secret });
  const failed = harness.spans().filter((span) => span.status.code === SpanStatusCode.ERROR);
  assert.deepEqual(failed.map((span) => [span.name, span.attributes['error.type']]).sort(), [
    ['execute_tool charge_card', 'Error'],
    ['payment', 'Error'],
    ['step pay', 'Error'],
  ]);
  // The card's digits as a token of their own: an event's time in nanoseconds may hold 4111 by chance.
  assert.doesNotMatch(JSON.stringify(harness.spans().map((span) => [span.status, span.events])), /\b4111\b/);
});
