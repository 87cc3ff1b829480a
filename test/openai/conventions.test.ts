/**
 * The GenAI conventions a backend keys on, on what an app started with `--import
 * @runproof/core/register` really exports over OTLP: the schema URL of every tracer and meter, the
 * `gen_ai.evaluation.result` events of the automatic output check and of a checkpoint, the two
 * streaming metrics, the tool call id of `tool().forCall(id)`, and `gen_ai.conversation.id` only
 * where the Responses API names a conversation.
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

interface AppOutput {
  runId: string;
  firstResponseId: string;
  chainedResponseId: string;
}

let simulator: Simulator;
let receiver: OtlpReceiver;
let output: AppOutput;
let spans: ReceivedSpan[];
let metrics: ReceivedMetric[];

before(async () => {
  [simulator, receiver] = await Promise.all([startSimulator({ chunkDelayMs: 1 }), startOtlpReceiver()]);
  const result = await runApp(fileURLToPath(new URL('./apps/conventions.mjs', import.meta.url)), {
    args: ['--import', '@runproof/core/register'],
    env: {
      SIMULATOR_URL: simulator.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_SERVICE_NAME: 'openai-conventions',
    },
  });
  assert.equal(result.code, 0, result.stderr);
  output = JSON.parse(result.stdout) as AppOutput;
  spans = (
    await receiver.waitFor(
      (received) => received.filter((span) => span.attributes['runproof.run.id'] === output.runId).length === 7,
    )
  ).filter((span) => span.attributes['runproof.run.id'] === output.runId);
  metrics = await receiver.waitForMetrics((received) =>
    received.some((metric) => metric.name === 'gen_ai.client.operation.time_per_output_chunk'),
  );
});
after(() => Promise.all([simulator.close(), receiver.close()]));

const named = (name: string): ReceivedSpan => {
  const span = spans.find((candidate) => candidate.name === name);
  assert.ok(span, `a span named ${name} among ${JSON.stringify(spans.map((candidate) => candidate.name))}`);
  return span;
};
const eventsOf = (span: ReceivedSpan) => span.events.map((event) => [event.name, event.attributes ?? {}]);

test('every Runproof tracer and meter carries the schema URL of the conventions it emits (1.41.1)', () => {
  assert.equal(SCHEMA_URL, 'https://opentelemetry.io/schemas/1.41.1');
  assert.deepEqual([...new Set(spans.map((span) => `${span.scope} ${span.schemaUrl}`))].sort(), [
    `@runproof/core ${SCHEMA_URL}`,
    `@runproof/openai-adapter ${SCHEMA_URL}`,
  ]);
  const runproofMetrics = metrics.filter((metric) => metric.scope.startsWith('@runproof/'));
  assert.ok(runproofMetrics.length > 0);
  assert.deepEqual([...new Set(runproofMetrics.map((metric) => metric.schemaUrl))], [SCHEMA_URL]);
});

test('the automatic structured-output check is a gen_ai.evaluation.result event on the model span it judged', () => {
  const chat = spans.find((span) => span.attributes['openai.api.type'] === 'chat_completions')!;
  assert.equal(chat.attributes['runproof.validation.outcome'], 'pass');
  assert.deepEqual(eventsOf(chat), [
    [
      'gen_ai.evaluation.result',
      { 'gen_ai.evaluation.name': 'response_format', 'gen_ai.evaluation.score.label': 'pass' },
    ],
  ]);
});

test("a checkpoint's verdict is a gen_ai.evaluation.result event on its validate span", () => {
  assert.deepEqual(eventsOf(named('validate invoice.fields')), [
    [
      'gen_ai.evaluation.result',
      { 'gen_ai.evaluation.name': 'invoice.fields', 'gen_ai.evaluation.score.label': 'pass' },
    ],
  ]);
});

test('a tool called through forCall(id) carries the tool call id, name and type', () => {
  assert.deepEqual(named('execute_tool lookup_vendor').attributes, {
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': 'lookup_vendor',
    'gen_ai.tool.type': 'function',
    'gen_ai.tool.call.id': 'call_lookup_1',
    'runproof.run.id': output.runId,
  });
});

test('gen_ai.conversation.id is the Responses API conversation, and nothing for a chained response (no fallback)', () => {
  const first = spans.find((span) => span.attributes['gen_ai.response.id'] === output.firstResponseId)!;
  const chained = spans.find((span) => span.attributes['gen_ai.response.id'] === output.chainedResponseId)!;
  assert.equal(first.attributes['gen_ai.conversation.id'], 'conv_invoices_1');
  assert.equal(chained.attributes['gen_ai.conversation.id'], undefined);
  assert.ok(
    spans.every((span) => span === first || !('gen_ai.conversation.id' in span.attributes)),
    'no other span has one: not the run id, not a generated one',
  );
});

test('a streamed call records time to first chunk and time per output chunk once, with the conventions units, buckets and attributes', () => {
  const chat = spans.find((span) => span.attributes['openai.api.type'] === 'chat_completions')!;
  const expectedAttributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    'server.address': '127.0.0.1',
    'server.port': simulator.port,
  };
  for (const name of ['gen_ai.client.operation.time_to_first_chunk', 'gen_ai.client.operation.time_per_output_chunk']) {
    const exported = metrics.filter((metric) => metric.name === name);
    assert.ok(exported.length > 0, name);
    const points = exported.flatMap((metric) => metric.histogram);
    // Only the streamed call: the two Responses API calls were not streamed.
    assert.deepEqual(
      points.map((point) => [point.attributes, point.count]),
      [[expectedAttributes, 1]],
      name,
    );
    assert.deepEqual(
      exported.map((metric) => [metric.unit, metric.scope]),
      [['s', '@runproof/openai-adapter']],
    );
    assert.deepEqual(points[0]!.explicitBounds, GEN_AI_DURATION_BUCKETS);
  }
  const firstChunk = metrics.find((metric) => metric.name === 'gen_ai.client.operation.time_to_first_chunk')!
    .histogram[0]!.sum;
  const perChunk = metrics.find((metric) => metric.name === 'gen_ai.client.operation.time_per_output_chunk')!
    .histogram[0]!.sum;
  assert.ok(
    firstChunk > 0 && firstChunk <= Number(chat.attributes['gen_ai.response.time_to_first_chunk']) + 1e-9,
    `${firstChunk} is the span's time to first chunk`,
  );
  assert.ok(perChunk > 0 && perChunk < 1, `${perChunk} s between chunks of a local stream`);
});
