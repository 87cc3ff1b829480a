import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { digest, run } from '@runproof/core';
import type { Simulator } from '../simulator/simulator.ts';
import {
  expectedFingerprint,
  harness,
  onlySpan,
  sentDigest,
  shapeDigest,
  useSimulator,
  withoutTimings,
  type Client,
} from './setup.ts';

const MESSAGES = [
  { role: 'system' as const, content: 'You answer in one word.' },
  { role: 'user' as const, content: 'What is the capital of France?' },
];
const WEATHER_TOOLS = [
  {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Current weather of a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, days: { type: 'integer' } },
        required: ['city', 'days'],
        additionalProperties: false,
      },
    },
  },
  {
    type: 'function' as const,
    function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } } },
  },
];

let simulator: Simulator;
let client: Client;
useSimulator((fixture) => ({ simulator, client } = fixture));

describe('chat.completions.create', () => {
  test('records a completion with the exact GenAI and Runproof attributes', async () => {
    simulator.enqueue({ reply: 'Paris.' });
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      temperature: 0.2,
      max_completion_tokens: 50,
      seed: 7,
      stop: 'END',
    });

    const span = onlySpan();
    assert.equal(span.name, 'chat gpt-4o-mini');
    assert.equal(span.kind, SpanKind.CLIENT);
    assert.deepEqual(span.status, { code: SpanStatusCode.UNSET });
    assert.deepEqual(span.attributes, {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'server.address': '127.0.0.1',
      'server.port': simulator.port,
      'openai.api.type': 'chat_completions',
      'gen_ai.request.max_tokens': 50,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.request.seed': 7,
      'runproof.call.fingerprint': expectedFingerprint({
        operation: 'chat',
        target: 'gpt-4o-mini',
        parameters: { temperature: 0.2, max_completion_tokens: 50, seed: 7, stop: 'END' },
        instructionsDigest: digest(['You answer in one word.']),
        templateDigest: digest(['system', 'user']),
      }),
      'runproof.input.digest': sentDigest(simulator.requests[0]!),
      'gen_ai.response.id': completion.id,
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': completion.usage!.prompt_tokens,
      'gen_ai.usage.output_tokens': completion.usage!.completion_tokens,
      'openai.response.service_tier': 'default',
      'openai.response.system_fingerprint': completion.system_fingerprint!,
      'runproof.output.shape': shapeDigest('text'),
      'openai.request.id': completion._request_id!,
    });
  });

  test("leaves the app's request objects writable: a stop list reused and extended between calls", async () => {
    simulator.enqueue({ reply: 'Paris.' });
    simulator.enqueue({ reply: 'Madrid.' });
    const stop = ['END'];
    const logitBias: Record<string, number> = { '50256': -100 };
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stop, logit_bias: logitBias });
    // Strict mode (this module): writing to a frozen object would throw.
    stop.push('STOP');
    logitBias['198'] = -50;
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stop, logit_bias: logitBias });
    const sent = simulator.requests.map((request) => JSON.parse(request.bodyText) as Record<string, unknown>);
    assert.deepEqual(
      sent.map((body) => [body.stop, body.logit_bias]),
      [
        [['END'], { '50256': -100 }],
        [['END', 'STOP'], { '50256': -100, '198': -50 }],
      ],
    );
  });

  test('records a stream with its usage chunk, ending the span when the stream ends', async () => {
    simulator.enqueue({ reply: 'Paris is the capital of France.' });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      stream: true,
      stream_options: { include_usage: true },
    });
    assert.equal(harness.spans().length, 0, 'the span is open while the stream is');
    let text = '';
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    let id = '';
    let fingerprint: string | null | undefined;
    for await (const chunk of stream) {
      id = chunk.id;
      fingerprint = chunk.system_fingerprint;
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    assert.equal(text, 'Paris is the capital of France.');

    const span = onlySpan();
    assert.deepEqual(withoutTimings(span.attributes), {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'server.address': '127.0.0.1',
      'server.port': simulator.port,
      'openai.api.type': 'chat_completions',
      'gen_ai.request.stream': true,
      'runproof.call.fingerprint': expectedFingerprint({
        operation: 'chat',
        target: 'gpt-4o-mini',
        instructionsDigest: digest(['You answer in one word.']),
        templateDigest: digest(['system', 'user']),
      }),
      'runproof.input.digest': sentDigest(simulator.requests[0]!),
      'gen_ai.response.id': id,
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': usage!.prompt_tokens,
      'gen_ai.usage.output_tokens': usage!.completion_tokens,
      'openai.response.service_tier': 'default',
      'openai.response.system_fingerprint': fingerprint!,
      'runproof.output.shape': shapeDigest('text'),
      'openai.request.id': simulator.requests[0]!.requestId,
    });
    assert.ok((span.attributes['gen_ai.response.time_to_first_chunk'] as number) < 5);
  });

  test('records a stream without a usage chunk: no usage attributes, everything else', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
    for await (const chunk of stream) void chunk;
    const attributes = onlySpan().attributes;
    assert.equal(attributes['gen_ai.usage.input_tokens'], undefined);
    assert.equal(attributes['gen_ai.usage.output_tokens'], undefined);
    assert.deepEqual(attributes['gen_ai.response.finish_reasons'], ['stop']);
    assert.equal(attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
    assert.equal(attributes['runproof.output.shape'], shapeDigest('text'));
  });

  for (const stream of [false, true]) {
    test(`records parallel tool calls: names, finish reason and the arguments' structure (${stream ? 'stream' : 'JSON'})`, async () => {
      simulator.enqueue({
        toolCalls: [
          { name: 'get_weather', arguments: { city: 'Paris', days: 3 } },
          { name: 'get_time', arguments: { zone: 'CET' } },
        ],
      });
      const result = await run('weather', async (current) => {
        if (stream) {
          const chunks = await client.chat.completions.create({
            model: 'gpt-4o-mini',
            messages: MESSAGES,
            tools: WEATHER_TOOLS,
            stream: true,
          });
          for await (const chunk of chunks) void chunk;
        } else {
          const completion = await client.chat.completions.create({
            model: 'gpt-4o-mini',
            messages: MESSAGES,
            tools: WEATHER_TOOLS,
          });
          assert.equal(completion.choices[0]!.message.tool_calls!.length, 2);
        }
        return current.manifest();
      });
      const span = harness.span('chat gpt-4o-mini');
      assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['tool_calls']);
      assert.equal(
        span.attributes['runproof.output.shape'],
        shapeDigest({
          tool_calls: [
            { name: 'get_weather', arguments: { city: 'string', days: 'number' } },
            { name: 'get_time', arguments: { zone: 'string' } },
          ],
        }),
      );
      assert.equal(
        span.attributes['runproof.call.fingerprint'],
        expectedFingerprint({
          operation: 'chat',
          target: 'gpt-4o-mini',
          instructionsDigest: digest(['You answer in one word.']),
          templateDigest: digest(['system', 'user']),
          toolsDigest: digest(WEATHER_TOOLS),
        }),
      );
      assert.deepEqual(result.observed.toolsCalled, ['get_time', 'get_weather']);
      assert.deepEqual(result.observed.resolvedModels, ['gpt-4o-mini-2024-07-18']);
      assert.equal(result.declared.calls.length, 1);
      assert.equal(result.declared.calls[0]!.toolsDigest, digest(WEATHER_TOOLS));
      const serialized = JSON.stringify(span.attributes);
      assert.ok(
        !serialized.includes('Paris') && !serialized.includes('CET'),
        'no argument values without content capture',
      );
    });
  }

  test('records every choice when n > 1', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, n: 3 });
    assert.equal(completion.choices.length, 3);
    const attributes = onlySpan().attributes;
    assert.equal(attributes['gen_ai.request.choice.count'], 3);
    assert.deepEqual(attributes['gen_ai.response.finish_reasons'], ['stop', 'stop', 'stop']);
    assert.equal(attributes['runproof.output.shape'], shapeDigest(['text', 'text', 'text']));
  });

  test('records a refusal as its own output shape', async () => {
    simulator.enqueue({ refusal: "I'm sorry, I can't help with that." });
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    assert.equal(completion.choices[0]!.message.refusal, "I'm sorry, I can't help with that.");
    const attributes = onlySpan().attributes;
    assert.equal(attributes['runproof.output.shape'], shapeDigest('refusal'));
    assert.ok(!JSON.stringify(attributes).includes('sorry'));
  });

  test('a streamed refusal of a plain request is its own output shape and fails the finish check', async () => {
    simulator.enqueue({ refusal: "I'm sorry, I can't help with that." });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
    let refusal = '';
    for await (const chunk of stream) refusal += chunk.choices[0]?.delta.refusal ?? '';
    assert.equal(refusal, "I'm sorry, I can't help with that.");
    const span = onlySpan();
    assert.equal(span.attributes['runproof.output.shape'], shapeDigest('refusal'));
    assert.equal(span.attributes['runproof.validation.outcome'], 'fail');
    assert.equal(span.attributes['runproof.validation.checkpoint'], 'finish');
    assert.ok(!JSON.stringify(span.attributes).includes('sorry'));
  });

  test('a long stream nobody keeps the text of still ends with its finish reason, usage and text shape', async () => {
    const reply = 'Paris is the capital and most populous city of France, on the Seine. '.repeat(12);
    simulator.enqueue({ reply });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      stream: true,
      stream_options: { include_usage: true },
    });
    let chunks = 0;
    let usage: { completion_tokens: number } | undefined;
    for await (const chunk of stream) {
      chunks += 1;
      usage = chunk.usage ?? usage;
    }
    assert.ok(chunks > 50, `${chunks} chunks`);
    const attributes = onlySpan().attributes;
    assert.deepEqual(attributes['gen_ai.response.finish_reasons'], ['stop']);
    assert.equal(attributes['gen_ai.usage.output_tokens'], usage!.completion_tokens);
    assert.equal(attributes['runproof.output.shape'], shapeDigest('text'));
  });

  test('records structured output as json, with the structure of the JSON as its shape', async () => {
    const responseFormat = {
      type: 'json_schema' as const,
      json_schema: {
        name: 'city',
        strict: true,
        schema: {
          type: 'object',
          properties: { city: { type: 'string' }, population: { type: 'integer' } },
          required: ['city', 'population'],
          additionalProperties: false,
        },
      },
    };
    simulator.enqueue({ json: { city: 'Paris', population: 2102650 } });
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      response_format: responseFormat,
    });
    const span = onlySpan();
    // The check passed: its outcome and checkpoint, no zero issue count, and no schema digest (the
    // response format's digest is part of the call fingerprint).
    assert.deepEqual(span.attributes, {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'server.address': '127.0.0.1',
      'server.port': simulator.port,
      'openai.api.type': 'chat_completions',
      'gen_ai.output.type': 'json',
      'runproof.call.fingerprint': expectedFingerprint({
        operation: 'chat',
        target: 'gpt-4o-mini',
        instructionsDigest: digest(['You answer in one word.']),
        templateDigest: digest(['system', 'user']),
        schemaDigest: digest(responseFormat),
      }),
      'runproof.input.digest': sentDigest(simulator.requests[0]!),
      'gen_ai.response.id': completion.id,
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': completion.usage!.prompt_tokens,
      'gen_ai.usage.output_tokens': completion.usage!.completion_tokens,
      'openai.response.service_tier': 'default',
      'openai.response.system_fingerprint': completion.system_fingerprint!,
      'runproof.output.shape': shapeDigest({ json: { city: 'string', population: 'number' } }),
      'openai.request.id': completion._request_id!,
      'runproof.validation.outcome': 'pass',
      'runproof.validation.checkpoint': 'response_format',
    });
    assert.deepEqual(
      span.events.map((event) => [event.name, event.attributes]),
      [
        [
          'gen_ai.evaluation.result',
          { 'gen_ai.evaluation.name': 'response_format', 'gen_ai.evaluation.score.label': 'pass' },
        ],
      ],
    );
  });
});
