import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { digest } from '@runproof/core';
import type { Simulator } from '../simulator/simulator.ts';
import {
  createV6Client,
  expectedFingerprint,
  harness,
  onlySpan,
  OPENAI_V6_VERSION,
  sentDigest,
  shapeDigest,
  useSimulator,
  withoutTimings,
  type Client,
} from './setup.ts';

const TOOLS = [
  {
    type: 'function' as const,
    name: 'get_weather',
    description: 'Current weather',
    strict: true,
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    },
  },
];

let simulator: Simulator;
let client: Client;
let v6: Client;
useSimulator((fixture) => {
  ({ simulator, client } = fixture);
  v6 = createV6Client(simulator);
});

describe('responses.create', () => {
  test('records a response with the exact attributes, instructions as a digest', async () => {
    simulator.enqueue({ reply: 'Paris.' });
    const response = await client.responses.create({
      model: 'gpt-4o-mini',
      instructions: 'Answer in one word.',
      input: 'Capital of France?',
      max_output_tokens: 40,
      temperature: 0,
    });
    assert.equal(response.output_text, 'Paris.');
    const span = onlySpan();
    assert.equal(span.name, 'chat gpt-4o-mini');
    assert.equal(span.kind, SpanKind.CLIENT);
    assert.deepEqual(span.attributes, {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'server.address': '127.0.0.1',
      'server.port': simulator.port,
      'openai.api.type': 'responses',
      'gen_ai.request.max_tokens': 40,
      'gen_ai.request.temperature': 0,
      'runproof.call.fingerprint': expectedFingerprint({
        operation: 'chat',
        target: 'gpt-4o-mini',
        parameters: { temperature: 0, max_output_tokens: 40 },
        instructionsDigest: digest(['Answer in one word.']),
        templateDigest: digest(['user']),
      }),
      'runproof.input.digest': sentDigest(simulator.requests[0]!),
      'gen_ai.response.id': response.id,
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': response.usage!.input_tokens,
      'gen_ai.usage.output_tokens': response.usage!.output_tokens,
      'openai.response.service_tier': 'default',
      'runproof.output.shape': shapeDigest('text'),
      'openai.request.id': response._request_id!,
    });
  });

  test('records a streamed response from its events', async () => {
    simulator.enqueue({ reply: 'Paris is the capital.' });
    const stream = await client.responses.create({
      model: 'gpt-4o-mini',
      input: [{ role: 'user', content: 'Capital of France?' }],
      stream: true,
    });
    let completed: { id: string; usage?: { input_tokens: number; output_tokens: number } | null } | undefined;
    for await (const event of stream) if (event.type === 'response.completed') completed = event.response;
    const span = onlySpan();
    assert.deepEqual(withoutTimings(span.attributes), {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'server.address': '127.0.0.1',
      'server.port': simulator.port,
      'openai.api.type': 'responses',
      'gen_ai.request.stream': true,
      'runproof.call.fingerprint': expectedFingerprint({
        operation: 'chat',
        target: 'gpt-4o-mini',
        templateDigest: digest(['user']),
      }),
      'runproof.input.digest': sentDigest(simulator.requests[0]!),
      'gen_ai.response.id': completed!.id,
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': completed!.usage!.input_tokens,
      'gen_ai.usage.output_tokens': completed!.usage!.output_tokens,
      'openai.response.service_tier': 'default',
      'runproof.output.shape': shapeDigest('text'),
      'openai.request.id': simulator.requests[0]!.requestId,
    });
    assert.equal(typeof span.attributes['gen_ai.response.time_to_first_chunk'], 'number');
  });

  test("records a function call: tool name, finish reason, the arguments' structure, no argument values", async () => {
    simulator.enqueue({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] });
    const response = await client.responses.create({ model: 'gpt-4o-mini', input: 'Weather in Paris?', tools: TOOLS });
    assert.equal(response.output[0]!.type, 'function_call');
    const attributes = onlySpan().attributes;
    assert.deepEqual(attributes['gen_ai.response.finish_reasons'], ['tool_calls']);
    assert.equal(
      attributes['runproof.output.shape'],
      shapeDigest({ tool_calls: [{ name: 'get_weather', arguments: { city: 'string' } }] }),
    );
    assert.equal(
      attributes['runproof.call.fingerprint'],
      expectedFingerprint({
        operation: 'chat',
        target: 'gpt-4o-mini',
        templateDigest: digest(['user']),
        toolsDigest: digest(TOOLS),
      }),
    );
    assert.ok(!JSON.stringify(attributes).includes('Paris'));
  });

  test('responses.stream() helper is recorded once', async () => {
    simulator.enqueue({ reply: 'Paris.' });
    const final = await client.responses.stream({ model: 'gpt-4o-mini', input: 'Capital of France?' }).finalResponse();
    assert.equal(final.output_text, 'Paris.');
    assert.deepEqual(onlySpan().attributes['gen_ai.response.finish_reasons'], ['stop']);
  });

  test('an incomplete response (max_output_tokens) reports finish reason length', async () => {
    simulator.enqueue({ reply: 'Paris.', finishReason: 'length' });
    await client.responses.create({ model: 'gpt-4o-mini', input: 'Capital of France?' });
    assert.deepEqual(onlySpan().attributes['gen_ai.response.finish_reasons'], ['length']);
  });
});

describe('openai 6 (instrumentOpenAI)', () => {
  const library = `openai@${OPENAI_V6_VERSION}`;

  test('chat completion', async () => {
    const completion = await v6.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const attributes = onlySpan().attributes;
    assert.equal(attributes['gen_ai.response.id'], completion.id);
    assert.equal(attributes['openai.request.id'], completion._request_id);
    assert.equal(
      attributes['runproof.call.fingerprint'],
      expectedFingerprint({ operation: 'chat', target: 'gpt-4o-mini', templateDigest: digest(['user']) }, library),
    );
    assert.deepEqual(attributes['gen_ai.response.finish_reasons'], ['stop']);
    assert.equal(attributes['gen_ai.usage.output_tokens'], completion.usage!.completion_tokens);
  });

  test('chat stream, including break after 3 chunks cancelling the request', async () => {
    simulator.enqueue({ reply: Array.from({ length: 60 }, (_, index) => `w${index}`).join(' '), chunkDelayMs: 3 });
    const stream = await v6.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    let seen = 0;
    for await (const _chunk of stream) if (++seen === 3) break;
    const [request] = await simulator.waitForRequests(1);
    assert.equal(request!.closedEarly, true);
    const span = onlySpan();
    assert.deepEqual(span.status, { code: SpanStatusCode.UNSET });
    assert.equal(span.attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');

    await harness.reset();
    const full = await v6.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of full) void chunk;
    const attributes = onlySpan().attributes;
    assert.deepEqual(attributes['gen_ai.response.finish_reasons'], ['stop']);
    assert.equal(typeof attributes['gen_ai.usage.input_tokens'], 'number');
  });

  test('responses, JSON and stream', async () => {
    const response = await v6.responses.create({ model: 'gpt-4o-mini', input: 'Hi', instructions: 'Be brief.' });
    assert.equal(onlySpan().attributes['gen_ai.response.id'], response.id);
    assert.equal(
      onlySpan().attributes['runproof.call.fingerprint'],
      expectedFingerprint(
        {
          operation: 'chat',
          target: 'gpt-4o-mini',
          instructionsDigest: digest(['Be brief.']),
          templateDigest: digest(['user']),
        },
        library,
      ),
    );
    await harness.reset();
    const stream = await v6.responses.create({ model: 'gpt-4o-mini', input: 'Hi', stream: true });
    for await (const event of stream) void event;
    assert.deepEqual(onlySpan().attributes['gen_ai.response.finish_reasons'], ['stop']);
  });

  test('429 then success is one span with two attempts', async () => {
    const retrying = createV6Client(simulator).withOptions({ maxRetries: 2 });
    simulator.enqueue({ status: 429, retryAfterMs: 1 }, { reply: 'ok' });
    await retrying.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(onlySpan().attributes['runproof.call.attempts'], 2);
  });
});
