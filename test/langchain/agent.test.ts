import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { HumanMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { Annotation, Command, MemorySaver, START, StateGraph, interrupt } from '@langchain/langgraph';
import { createAgent, tool } from 'langchain';
import { z } from 'zod';
import type { Simulator } from '../simulator/simulator.ts';
import { createLangChainHarness, descendantsOf, parentOf, useSimulator } from './harness.ts';

const harness = createLangChainHarness();
let sim: Simulator;
useSimulator(harness, (started) => (sim = started));

function createWeatherAgent() {
  const model = new ChatOpenAI({
    model: 'gpt-4o-mini',
    temperature: 0,
    configuration: { baseURL: sim.url },
    apiKey: 'test',
    maxRetries: 0,
  });
  const getWeather = tool(
    async ({ city }) => {
      trace.getTracer('user-app').startSpan('lookup forecast').end();
      return `22 degrees Celsius in ${city}`;
    },
    { name: 'get_weather', description: 'Current weather in a city', schema: z.object({ city: z.string() }) },
  );
  const convert = tool(async ({ celsius }) => `${(celsius * 9) / 5 + 32} F`, {
    name: 'to_fahrenheit',
    description: 'Converts Celsius to Fahrenheit',
    schema: z.object({ celsius: z.number() }),
  });
  return createAgent({ model, tools: [getWeather, convert], name: 'weather_agent' });
}

const question = { messages: [{ role: 'user', content: 'How warm is Paris in Fahrenheit?' }] };

test('a two-turn createAgent tool loop records the agent, each model call and each tool call with exact attributes', async () => {
  sim.enqueue(
    {
      toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
      usage: { inputTokens: 88, outputTokens: 17 },
    },
    {
      toolCalls: [{ name: 'to_fahrenheit', arguments: { celsius: 22 } }],
      usage: { inputTokens: 120, outputTokens: 19 },
    },
    { reply: 'It is 71.6 F in Paris.', usage: { inputTokens: 151, outputTokens: 11 } },
  );
  const result = await createWeatherAgent().invoke(question);
  assert.equal(result.messages.at(-1)?.content, 'It is 71.6 F in Paris.');

  const spans = harness.spans();
  const agent = harness.span('invoke_agent weather_agent');
  assert.equal(agent.kind, SpanKind.INTERNAL);
  // The provider the conventions require on invoke_agent, and the model, from the agent's first model call.
  assert.deepEqual(agent.attributes, {
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.agent.name': 'weather_agent',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
  });

  const chats = spans.filter((span) => span.name === 'chat gpt-4o-mini');
  assert.equal(chats.length, 3, 'one span per model call');
  const [first] = chats;
  assert.equal(first!.kind, SpanKind.CLIENT);
  assert.deepEqual(first!.attributes, {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.request.temperature': 0,
    'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    'gen_ai.response.id': first!.attributes['gen_ai.response.id'],
    'gen_ai.response.finish_reasons': ['tool_calls'],
    'openai.response.system_fingerprint': first!.attributes['openai.response.system_fingerprint'],
    'gen_ai.usage.input_tokens': 88,
    'gen_ai.usage.output_tokens': 17,
    'runproof.call.fingerprint': first!.attributes['runproof.call.fingerprint'],
    'runproof.validation.outcome': 'pass',
    'runproof.validation.checkpoint': 'tool_calls',
  });
  assert.deepEqual(
    first!.events.map((event) => [event.name, event.attributes]),
    [['gen_ai.evaluation.result', { 'gen_ai.evaluation.name': 'tool_calls', 'gen_ai.evaluation.score.label': 'pass' }]],
  );
  assert.match(String(first!.attributes['gen_ai.response.id']), /^chatcmpl-/);
  assert.match(String(first!.attributes['runproof.call.fingerprint']), /^[0-9a-f]{64}$/);
  assert.deepEqual(
    chats.map((span) => [span.attributes['gen_ai.usage.input_tokens'], span.attributes['gen_ai.usage.output_tokens']]),
    [
      [88, 17],
      [120, 19],
      [151, 11],
    ],
  );
  assert.equal(parentOf(first!, spans)?.name, 'step model_request');
  assert.equal(parentOf(parentOf(first!, spans)!, spans), agent);

  const weather = harness.span('execute_tool get_weather');
  assert.deepEqual(weather.attributes, {
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': 'get_weather',
    'gen_ai.tool.type': 'function',
    'gen_ai.tool.call.id': weather.attributes['gen_ai.tool.call.id'],
  });
  assert.match(String(weather.attributes['gen_ai.tool.call.id']), /^call_/);
  assert.equal(parentOf(weather, spans)?.name, 'step tools');
  assert.ok(harness.span('execute_tool to_fahrenheit'));

  const node = parentOf(weather, spans)!;
  assert.deepEqual(Object.keys(node.attributes).sort(), [
    'runproof.langgraph.checkpoint_ns',
    'runproof.langgraph.node',
    'runproof.langgraph.path',
    'runproof.langgraph.step',
    'runproof.langgraph.triggers',
    'runproof.step.name',
  ]);
  assert.equal(node.attributes['runproof.langgraph.step'], 2);
  assert.equal(node.attributes['runproof.langgraph.node'], 'tools');
  assert.ok(spans.every((span) => span.spanContext().traceId === agent.spanContext().traceId));
});

test('a span the user starts inside a tool is a child of its execute_tool span', async () => {
  sim.enqueue({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] }, { reply: 'Cold.' });
  await createWeatherAgent().invoke(question);
  assert.equal(parentOf(harness.span('lookup forecast'), harness.spans())?.name, 'execute_tool get_weather');
});

test('tool arguments that fail the Zod schema are an execute_tool span with validation outcome fail, handled by the agent', async () => {
  sim.enqueue({ toolCalls: [{ name: 'get_weather', arguments: { city: 7 } }] }, { reply: 'Sorry.' });
  const result = await createWeatherAgent().invoke(question);
  assert.equal(
    (result.messages.find((message) => message.type === 'tool') as { status?: string } | undefined)?.status,
    'error',
  );
  const span = harness.span('execute_tool get_weather');
  assert.deepEqual(span.attributes, {
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': 'get_weather',
    'gen_ai.tool.type': 'function',
    'gen_ai.tool.call.id': span.attributes['gen_ai.tool.call.id'],
    'runproof.validation.outcome': 'fail',
    'runproof.validation.checkpoint': 'get_weather.arguments',
    'runproof.validation.issue_count': 1,
    'runproof.validation.schema.digest': span.attributes['runproof.validation.schema.digest'],
    'error.type': 'ToolInputParsingException',
    'runproof.error.handled': true,
  });
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  const failure = span.events.find((event) => event.name === 'runproof.validation.failure');
  assert.deepEqual(failure?.attributes, {
    'runproof.validation.issue.codes': ['invalid_type'],
    'runproof.validation.issue.paths': ['city'],
  });
  assert.equal(parentOf(span, harness.spans())?.name, 'step tools');
});

test('a call to a tool the model was not offered fails the tool_calls check on the model span', async () => {
  sim.enqueue({ toolCalls: [{ name: 'book_flight', arguments: {} }] }, { reply: 'I cannot.' });
  await createWeatherAgent().invoke(question);
  const [firstCall] = harness.spans().filter((span) => span.name === 'chat gpt-4o-mini');
  assert.equal(firstCall!.attributes['runproof.validation.outcome'], 'fail');
  assert.equal(firstCall!.attributes['runproof.validation.checkpoint'], 'tool_calls');
  assert.deepEqual(firstCall!.events.find((event) => event.name === 'runproof.validation.failure')?.attributes, {
    'runproof.validation.issue.codes': ['undeclared_tool'],
    'runproof.validation.issue.paths': ['tool_calls[0].name'],
  });
  assert.deepEqual(firstCall!.events.find((event) => event.name === 'gen_ai.evaluation.result')?.attributes, {
    'gen_ai.evaluation.name': 'tool_calls',
    'gen_ai.evaluation.score.label': 'fail',
  });
  assert.equal(harness.spans().filter((span) => span.name.startsWith('execute_tool')).length, 0);
});

test('a tool error the agent turns into a ToolMessage is recorded as handled', async () => {
  const model = new ChatOpenAI({
    model: 'gpt-4o-mini',
    configuration: { baseURL: sim.url },
    apiKey: 'test',
    maxRetries: 0,
  });
  const flaky = tool(
    async () => {
      throw new RangeError('vendor API is down');
    },
    { name: 'lookup_vendor', description: 'Looks up a vendor', schema: z.object({ id: z.string() }) },
  );
  sim.enqueue({ toolCalls: [{ name: 'lookup_vendor', arguments: { id: 'v-1' } }] }, { reply: 'The lookup failed.' });
  await createAgent({ model, tools: [flaky] }).invoke(question);
  const span = harness.span('execute_tool lookup_vendor');
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(span.attributes['error.type'], 'RangeError');
  assert.equal(span.attributes['runproof.error.handled'], true);
  // Its message is the tool's result the model reads: content, withheld unless capture is on.
  assert.doesNotMatch(JSON.stringify([span.status, span.events]), /vendor API is down/);
});

test('interrupt() inside a tool (human in the loop) pauses the agent: no failure, and the question stays out', async () => {
  const model = new ChatOpenAI({
    model: 'gpt-4o-mini',
    configuration: { baseURL: sim.url },
    apiKey: 'test',
    maxRetries: 0,
  });
  const approve = tool(
    async ({ amount }) =>
      `decision: ${interrupt<{ question: string }, string>({ question: `Approve payment of ${amount}?` })}`,
    {
      name: 'approve_payment',
      description: 'Asks a human to approve a payment',
      schema: z.object({ amount: z.number() }),
    },
  );
  const agent = createAgent({ model, tools: [approve], name: 'payer', checkpointer: new MemorySaver() });
  const config = { configurable: { thread_id: 'payment-7' } };
  sim.enqueue({ toolCalls: [{ name: 'approve_payment', arguments: { amount: 1280 } }] });
  const paused = await agent.invoke({ messages: [{ role: 'user', content: 'Pay invoice 7.' }] }, config);
  assert.ok('__interrupt__' in paused);
  const toolSpan = harness.span('execute_tool approve_payment');
  assert.deepEqual(toolSpan.status, { code: SpanStatusCode.UNSET });
  assert.equal(toolSpan.attributes['error.type'], undefined);
  assert.equal(toolSpan.attributes['runproof.step.interrupted'], true);
  assert.doesNotMatch(JSON.stringify(harness.spans().map((span) => [span.status, span.events])), /Approve payment/);
  sim.enqueue({ reply: 'Paid.' });
  const resumed = await agent.invoke(new Command({ resume: 'yes' }), config);
  assert.equal(resumed.messages.at(-1)?.content, 'Paid.');
});

test('an aborted model call is cancelled, and a failed one counts in the duration metric by its error type', async () => {
  const model = new ChatOpenAI({
    model: 'gpt-4o-mini',
    configuration: { baseURL: sim.url },
    apiKey: 'test',
    maxRetries: 0,
  });
  sim.enqueue({ hang: true });
  const controller = new AbortController();
  const pending = model.invoke('Which invoices are overdue?', { signal: controller.signal });
  await sim.waitForRequests(1, { settled: false });
  controller.abort();
  await assert.rejects(pending);
  assert.equal(harness.span('chat gpt-4o-mini').attributes['error.type'], 'cancelled');
  await harness.reset();

  sim.enqueue({ status: 500 });
  await assert.rejects(model.invoke('Which invoices are overdue?'));
  const duration = (await harness.metrics()).find(
    (metric) => metric.descriptor.name === 'gen_ai.client.operation.duration',
  );
  assert.deepEqual(
    duration?.dataPoints.map((point) => point.attributes),
    [
      {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'error.type': 'InternalServerError',
      },
    ],
  );
});

test('20 concurrent agent invocations each nest under their own request span', async () => {
  sim.enqueue({ match: (body) => Array.isArray(body.tools), times: Infinity, chunkDelayMs: 0 });
  const tracer = trace.getTracer('user-app');
  const agent = createWeatherAgent();
  await Promise.all(
    Array.from({ length: 20 }, (_, index) => {
      const request = tracer.startSpan(`request ${index}`);
      return context.with(trace.setSpan(context.active(), request), async () => {
        await new Promise((resolve) => setTimeout(resolve, index % 3));
        await agent.invoke(question);
        request.end();
      });
    }),
  );
  const spans = harness.spans();
  for (let index = 0; index < 20; index++) {
    const request = harness.span(`request ${index}`);
    const agentSpan = spans.find(
      (span) => span.name === 'invoke_agent weather_agent' && parentOf(span, spans) === request,
    );
    assert.ok(agentSpan, `request ${index} has its agent`);
    const below = descendantsOf(agentSpan, spans);
    assert.equal(
      below.filter((span) => span.name === 'chat gpt-4o-mini').length,
      2,
      `request ${index}: its two model calls`,
    );
    assert.equal(
      below.filter((span) => span.name === 'execute_tool get_weather').length,
      1,
      `request ${index}: its tool call`,
    );
    assert.equal(below.filter((span) => span.name === 'lookup forecast').length, 1, `request ${index}: its user span`);
  }
  assert.equal(spans.filter((span) => span.name === 'chat gpt-4o-mini').length, 40);
});

test("the user's own callback handlers and streamEvents keep working", async () => {
  const seen: string[] = [];
  const userHandler = {
    name: 'user',
    handleToolStart: () => void seen.push('tool'),
    handleLLMEnd: () => void seen.push('llm'),
  };
  sim.enqueue({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Rome' } }] }, { reply: 'Warm.' });
  await createWeatherAgent().invoke(question, { callbacks: [userHandler] });
  assert.deepEqual(seen, ['llm', 'tool', 'llm']);
  assert.equal(harness.spans().filter((span) => span.name === 'chat gpt-4o-mini').length, 2);

  await harness.reset();
  sim.enqueue({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Rome' } }] }, { reply: 'Warm.' });
  const events: string[] = [];
  for await (const event of createWeatherAgent().streamEvents(question, { version: 'v2' })) events.push(event.event);
  assert.ok(
    events.includes('on_tool_start') && events.includes('on_chat_model_stream') && events.includes('on_chain_end'),
  );
  assert.equal(harness.spans().filter((span) => span.name === 'chat gpt-4o-mini').length, 2);
  assert.equal(harness.spans().filter((span) => span.name === 'execute_tool get_weather').length, 1);
});

test('an agent called from a tool of another agent is its own invoke_agent span, under that tool', async () => {
  const model = () =>
    new ChatOpenAI({ model: 'gpt-4o-mini', configuration: { baseURL: sim.url }, apiKey: 'test', maxRetries: 0 });
  const researcher = createAgent({ model: model(), tools: [], name: 'researcher' });
  const askResearcher = tool(
    async ({ question: asked }) =>
      String((await researcher.invoke({ messages: [{ role: 'user', content: asked }] })).messages.at(-1)?.text),
    {
      name: 'ask_researcher',
      description: 'Asks the research agent',
      schema: z.object({ question: z.string() }),
    },
  );
  const planner = createAgent({ model: model(), tools: [askResearcher], name: 'planner' });
  sim.enqueue(
    { toolCalls: [{ name: 'ask_researcher', arguments: { question: 'Who is vendor v-1?' } }] },
    { reply: 'Acme Corp.' },
    { reply: 'Vendor v-1 is Acme Corp.' },
  );
  const result = await planner.invoke(question);
  assert.equal(result.messages.at(-1)?.content, 'Vendor v-1 is Acme Corp.');
  const spans = harness.spans();
  const inner = harness.span('invoke_agent researcher');
  assert.equal(inner.attributes['gen_ai.agent.name'], 'researcher');
  assert.equal(parentOf(inner, spans)?.name, 'execute_tool ask_researcher');
  assert.equal(harness.span('invoke_agent planner').attributes['gen_ai.agent.name'], 'planner');
  // The researcher's model call is its own, under its agent span.
  const researcherCalls = descendantsOf(inner, spans).filter((span) => span.name === 'chat gpt-4o-mini');
  assert.equal(researcherCalls.length, 1);
});

test('ChatOpenAI on the Responses API: finish reasons and response model from the response status, invoked and streamed', async () => {
  const model = new ChatOpenAI({
    model: 'gpt-4o-mini',
    configuration: { baseURL: sim.url },
    apiKey: 'test',
    maxRetries: 0,
    useResponsesApi: true,
  });
  const reported = () => {
    const span = harness.span('chat gpt-4o-mini');
    return [span.attributes['gen_ai.response.finish_reasons'], span.attributes['gen_ai.response.model']];
  };
  await model.invoke('Capital of France?');
  assert.deepEqual(reported(), [['stop'], 'gpt-4o-mini-2024-07-18']);
  await harness.reset();
  for await (const _chunk of await model.stream('Capital of France?'));
  assert.deepEqual(reported(), [['stop'], 'gpt-4o-mini-2024-07-18']);
  await harness.reset();
  sim.enqueue({ reply: 'The capital is', finishReason: 'length' });
  await model.invoke('Capital of France?');
  assert.deepEqual(reported(), [['length'], 'gpt-4o-mini-2024-07-18']);
  await harness.reset();
  sim.enqueue({ toolCalls: [{ name: 'lookup_vendor', arguments: { id: 'v-1' } }] });
  const lookupVendor = tool(async ({ id }) => id, {
    name: 'lookup_vendor',
    description: 'Looks up a vendor',
    schema: z.object({ id: z.string() }),
  });
  await model.bindTools([lookupVendor]).invoke('Who is vendor v-1?');
  assert.deepEqual(reported(), [['tool_calls'], 'gpt-4o-mini-2024-07-18']);
});

test('a LangGraph signal out of a tool that the agent turns into an error result is a failed tool call', async () => {
  const model = new ChatOpenAI({
    model: 'gpt-4o-mini',
    configuration: { baseURL: sim.url },
    apiKey: 'test',
    maxRetries: 0,
  });
  const State = Annotation.Root({ route: Annotation<string> });
  const router = new StateGraph(State)
    .addNode('hand_over', () => new Command({ graph: Command.PARENT, goto: 'review', update: {} }), { ends: [] })
    .addEdge(START, 'hand_over')
    .compile();
  const route = tool(async () => JSON.stringify(await router.invoke({ route: '' })), {
    name: 'route_invoice',
    description: 'Routes an invoice',
    schema: z.object({}),
  });
  sim.enqueue({ toolCalls: [{ name: 'route_invoice', arguments: {} }] }, { reply: 'Routing failed.' });
  const result = await createAgent({ model, tools: [route], name: 'router' }).invoke(question);
  assert.equal((result.messages.find((message) => message.type === 'tool') as { status?: string }).status, 'error');
  const span = harness.span('execute_tool route_invoice');
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(span.attributes['error.type'], 'ParentCommand');
  assert.equal(span.attributes['runproof.error.handled'], true);
});

test('a tool that calls another tool and recovers from its failure: both spans end, the inner failure handled', async () => {
  const lookup = tool(
    async () => {
      throw new RangeError('vendor API is down');
    },
    { name: 'lookup_vendor', description: 'Looks up a vendor', schema: z.object({ id: z.string() }) },
  );
  const describe = tool(
    async ({ id }, config) => {
      try {
        return String(await lookup.invoke({ id }, config));
      } catch {
        return 'unknown vendor';
      }
    },
    { name: 'describe_vendor', description: 'Describes a vendor', schema: z.object({ id: z.string() }) },
  );
  assert.equal(await describe.invoke({ id: 'v-1' }), 'unknown vendor');
  const inner = harness.span('execute_tool lookup_vendor');
  assert.equal(inner.attributes['error.type'], 'RangeError');
  assert.equal(inner.attributes['runproof.error.handled'], true);
  assert.equal(parentOf(inner, harness.spans())?.name, 'execute_tool describe_vendor');
});

test('an agent called from a tool with the tool config passed on, or unnamed, is still its own invoke_agent span; a plain graph is not', async () => {
  const model = () =>
    new ChatOpenAI({ model: 'gpt-4o-mini', configuration: { baseURL: sim.url }, apiKey: 'test', maxRetries: 0 });
  const researcher = createAgent({ model: model(), tools: [], name: 'researcher' });
  const helper = createAgent({ model: model(), tools: [] });
  const State = Annotation.Root({ vendor: Annotation<string> });
  const lookup = new StateGraph(State)
    .addNode('fetch', () => ({ vendor: 'Acme Corp.' }))
    .addEdge(START, 'fetch')
    .compile({ name: 'vendor_lookup' });
  const ask = tool(
    async ({ question: asked }, config) => {
      const found = await lookup.invoke({ vendor: '' }, config);
      const researched = await researcher.invoke({ messages: [{ role: 'user', content: asked }] }, config);
      const helped = await helper.invoke({ messages: [{ role: 'user', content: asked }] });
      return `${found.vendor} ${String(researched.messages.at(-1)?.text)} ${String(helped.messages.at(-1)?.text)}`;
    },
    { name: 'ask_team', description: 'Asks the team', schema: z.object({ question: z.string() }) },
  );
  sim.enqueue(
    { toolCalls: [{ name: 'ask_team', arguments: { question: 'Who is vendor v-1?' } }] },
    { reply: 'Researched.' },
    { reply: 'Helped.' },
    { reply: 'Done.' },
  );
  await createAgent({ model: model(), tools: [ask], name: 'planner' }).invoke(question);
  const spans = harness.spans();
  const underTool = spans
    .filter((span) => parentOf(span, spans)?.name === 'execute_tool ask_team')
    .map((span) => [span.name, span.attributes['gen_ai.agent.name']]);
  assert.deepEqual(underTool, [
    ['vendor_lookup', undefined],
    ['invoke_agent researcher', 'researcher'],
    ['invoke_agent LangGraph', 'LangGraph'],
  ]);
  for (const agent of ['invoke_agent researcher', 'invoke_agent LangGraph']) {
    assert.equal(
      descendantsOf(harness.span(agent), spans).filter((span) => span.name === 'chat gpt-4o-mini').length,
      1,
      agent,
    );
  }
});

test('generate() with two prompts at once: two sibling model spans, each with its own usage', async () => {
  const model = new ChatOpenAI({
    model: 'gpt-4o-mini',
    configuration: { baseURL: sim.url },
    apiKey: 'test',
    maxRetries: 0,
  });
  sim.enqueue(
    { reply: 'Paris.', usage: { inputTokens: 12, outputTokens: 2 } },
    { reply: 'Rome.', usage: { inputTokens: 18, outputTokens: 3 } },
  );
  await model.generate([[new HumanMessage('Capital of France?')], [new HumanMessage('Capital of Italy?')]]);
  const chats = harness.spans().filter((span) => span.name === 'chat gpt-4o-mini');
  assert.deepEqual(
    chats.map((span) => span.parentSpanContext?.spanId),
    [undefined, undefined],
    'neither under the other',
  );
  assert.deepEqual(chats.map((span) => span.attributes['gen_ai.usage.input_tokens']).sort(), [12, 18]);
});
