/**
 * What the LangChain adapter itself emits of the GenAI conventions (the OpenAI adapter off), on
 * what a real app exports over OTLP: the schema URL, the agent's required provider, the thread as
 * `gen_ai.conversation.id` and nothing outside it, the tool-call check as a
 * `gen_ai.evaluation.result` event on the model span, and the two streaming metrics.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GEN_AI_DURATION_BUCKETS, SCHEMA_URL } from '@runproof/core/semconv';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';
import { runApp } from '../support/app.ts';
import {
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedMetric,
  type ReceivedSpan,
} from '../support/otlp-receiver.ts';

let simulator: Simulator;
let receiver: OtlpReceiver;
let spans: ReceivedSpan[];
let metrics: ReceivedMetric[];

before(async () => {
  [simulator, receiver] = await Promise.all([startSimulator({ chunkDelayMs: 1 }), startOtlpReceiver()]);
  simulator.enqueue(
    { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
    { reply: 'It is 22 degrees in Paris.' },
  );
  const result = await runApp(fileURLToPath(new URL('./apps/conventions.cjs', import.meta.url)), {
    env: {
      SIMULATOR_URL: simulator.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_SERVICE_NAME: 'langchain-conventions',
    },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal((JSON.parse(result.stdout) as { answer: string }).answer, 'It is 22 degrees in Paris.');
  const ours = (received: ReceivedSpan[]) =>
    received.filter((span) => span.resource['service.name'] === 'langchain-conventions');
  spans = ours(
    await receiver.waitFor(
      (received) => ours(received).filter((span) => span.name === 'chat gpt-4o-mini').length === 3,
    ),
  );
  metrics = await receiver.waitForMetrics((received) =>
    received.some((metric) => metric.name === 'gen_ai.client.operation.time_per_output_chunk'),
  );
});
after(() => Promise.all([simulator.close(), receiver.close()]));

test('the LangChain adapter tracer and meter carry the schema URL of the conventions (1.41.1)', () => {
  assert.deepEqual(
    [...new Set(spans.map((span) => `${span.scope} ${span.schemaUrl}`))],
    [`@runproof/langchain-adapter ${SCHEMA_URL}`],
  );
  assert.deepEqual(
    [
      ...new Set(
        metrics
          .filter((metric) => metric.name.startsWith('gen_ai.'))
          .map((metric) => `${metric.scope} ${metric.schemaUrl}`),
      ),
    ],
    [`@runproof/langchain-adapter ${SCHEMA_URL}`],
  );
});

test('an agent on a LangGraph thread: invoke_agent INTERNAL with the provider and model it called, the thread id as gen_ai.conversation.id', () => {
  const agent = spans.find((span) => span.name === 'invoke_agent weather_agent')!;
  assert.equal(agent.kind, 'SPAN_KIND_INTERNAL');
  assert.deepEqual(agent.attributes, {
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.agent.name': 'weather_agent',
    'gen_ai.conversation.id': 'thread-paris',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
    'runproof.run.id': agent.attributes['runproof.run.id'],
    'runproof.run.continuation': 'new',
  });
  const chats = spans.filter((span) => span.name === 'chat gpt-4o-mini');
  const inThread = chats.filter((span) => span.traceId === agent.traceId);
  assert.equal(inThread.length, 2);
  assert.ok(inThread.every((span) => span.attributes['gen_ai.conversation.id'] === 'thread-paris'));
  const streamed = chats.find((span) => span.traceId !== agent.traceId)!;
  assert.equal(
    streamed.attributes['gen_ai.conversation.id'],
    undefined,
    'no thread, no conversation id: never a fallback',
  );
});

test("the model's tool calls, checked against the tools it was offered, are a gen_ai.evaluation.result event on its span", () => {
  const first = spans.find(
    (span) =>
      span.name === 'chat gpt-4o-mini' &&
      span.attributes['gen_ai.response.finish_reasons']?.toString() === 'tool_calls',
  )!;
  assert.deepEqual(
    first.events.map((event) => [event.name, event.attributes]),
    [['gen_ai.evaluation.result', { 'gen_ai.evaluation.name': 'tool_calls', 'gen_ai.evaluation.score.label': 'pass' }]],
  );
});

test('a streamed model call records time to first chunk and time per output chunk once, with the conventions units, buckets and attributes', () => {
  const streamed = spans.find((span) => span.attributes['gen_ai.request.stream'] === true)!;
  for (const name of ['gen_ai.client.operation.time_to_first_chunk', 'gen_ai.client.operation.time_per_output_chunk']) {
    const exported = metrics.filter((metric) => metric.name === name);
    assert.deepEqual(
      exported.map((metric) => [metric.unit, metric.scope]),
      [['s', '@runproof/langchain-adapter']],
      name,
    );
    const points = exported.flatMap((metric) => metric.histogram);
    assert.deepEqual(
      points.map((point) => [point.attributes, point.count]),
      [
        [
          {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': 'gpt-4o-mini',
            'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
          },
          1,
        ],
      ],
      `${name}: the streamed call only`,
    );
    assert.deepEqual(points[0]!.explicitBounds, GEN_AI_DURATION_BUCKETS);
  }
  const firstChunk = metrics.find((metric) => metric.name === 'gen_ai.client.operation.time_to_first_chunk')!
    .histogram[0]!.sum;
  assert.equal(firstChunk, streamed.attributes['gen_ai.response.time_to_first_chunk']);
  const perChunk = metrics.find((metric) => metric.name === 'gen_ai.client.operation.time_per_output_chunk')!
    .histogram[0]!.sum;
  assert.ok(perChunk > 0 && perChunk < 1, `${perChunk} s between chunks of a local stream`);
});
