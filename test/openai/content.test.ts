import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Simulator } from '../simulator/simulator.ts';
import { harness, onlySpan, useSimulator, type Client } from './setup.ts';

const SECRET_SYSTEM = 'secret-instructions-7f3a';
const SECRET_USER = 'secret-question-91bc';
const SECRET_ARGUMENT = 'secret-city-44de';
const SECRET_KEY = 'Patient secret-name-61f0';
const TOOLS = [
  {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Weather of a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
    },
  },
];

let simulator: Simulator;
let client: Client;
useSimulator((fixture) => ({ simulator, client } = fixture));

test('captures no prompt, instruction, completion or tool-argument text by default', async () => {
  simulator.enqueue(
    { toolCalls: [{ name: 'get_weather', arguments: { city: SECRET_ARGUMENT } }] },
    { reply: 'secret-answer-5e2d' },
    { reply: 'secret-answer-5e2d' },
  );
  const messages = [
    { role: 'system' as const, content: SECRET_SYSTEM },
    { role: 'user' as const, content: SECRET_USER },
  ];
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: TOOLS });
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
  for await (const chunk of stream) void chunk;
  await client.responses.create({ model: 'gpt-4o-mini', instructions: SECRET_SYSTEM, input: SECRET_USER });
  // Structured output with a member the schema does not allow: its name is the model's text.
  simulator.enqueue({ json: { city: 'Paris', [SECRET_KEY]: true } });
  await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages,
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: 'city',
        schema: { type: 'object', properties: { city: { type: 'string' } }, additionalProperties: false },
      },
    },
  });
  const failure = harness.spans()[3]!.events.find((event) => event.name === 'runproof.validation.failure');
  assert.deepEqual(failure?.attributes, {
    'runproof.validation.issue.codes': ['additionalProperties'],
    'runproof.validation.issue.paths': ['(root)'],
  });
  const telemetry = JSON.stringify({
    spans: harness.spans().map((span) => ({ attributes: span.attributes, events: span.events, status: span.status })),
    metrics: await harness.metrics(),
  });
  for (const secret of [SECRET_SYSTEM, SECRET_USER, SECRET_ARGUMENT, SECRET_KEY, 'secret-answer'])
    assert.ok(!telemetry.includes(secret), `${secret} is not in the telemetry`);
  assert.equal(harness.spans().length, 4);
});

test('captures content as GenAI structured JSON attributes when enabled', async () => {
  harness.configure({ captureContent: true });
  simulator.enqueue({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] });
  await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Paris?' },
    ],
    tools: TOOLS,
  });
  const attributes = onlySpan().attributes;
  assert.deepEqual(JSON.parse(attributes['gen_ai.input.messages'] as string), [
    { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
    { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
  ]);
  assert.deepEqual(JSON.parse(attributes['gen_ai.tool.definitions'] as string), [
    {
      type: 'function',
      name: 'get_weather',
      description: 'Weather of a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
    },
  ]);
  const output = JSON.parse(attributes['gen_ai.output.messages'] as string) as {
    role: string;
    parts: { type: string; id: string; name: string; arguments: unknown }[];
    finish_reason: string;
  }[];
  assert.equal(output.length, 1);
  assert.equal(output[0]!.finish_reason, 'tool_calls');
  assert.deepEqual(
    output[0]!.parts.map(({ type, name, arguments: args }) => ({ type, name, arguments: args })),
    [{ type: 'tool_call', name: 'get_weather', arguments: { city: 'Paris' } }],
  );
  assert.match(output[0]!.parts[0]!.id, /^call_/);
});

test('captures a streamed answer and the Responses API instructions', async () => {
  harness.configure({ captureContent: true });
  simulator.enqueue({ reply: 'Paris.' }, { reply: 'Lyon.' });
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Capital?' }],
    stream: true,
  });
  for await (const chunk of stream) void chunk;
  assert.deepEqual(JSON.parse(onlySpan().attributes['gen_ai.output.messages'] as string), [
    { role: 'assistant', parts: [{ type: 'text', content: 'Paris.' }], finish_reason: 'stop' },
  ]);
  await harness.reset();
  harness.configure({ captureContent: true });
  await client.responses.create({ model: 'gpt-4o-mini', instructions: 'Be brief.', input: 'Second city?' });
  const attributes = onlySpan().attributes;
  assert.deepEqual(JSON.parse(attributes['gen_ai.system_instructions'] as string), [
    { type: 'text', content: 'Be brief.' },
  ]);
  assert.deepEqual(JSON.parse(attributes['gen_ai.input.messages'] as string), [
    { role: 'user', parts: [{ type: 'text', content: 'Second city?' }] },
  ]);
  assert.deepEqual(JSON.parse(attributes['gen_ai.output.messages'] as string), [
    { role: 'assistant', parts: [{ type: 'text', content: 'Lyon.' }], finish_reason: 'stop' },
  ]);
});

test('passes captured content through the redaction hook and caps each value, keeping usage and finish attributes', async () => {
  harness.configure({
    captureContent: true,
    maxContentBytes: 80,
    redact: (text, { attribute }) =>
      attribute === 'gen_ai.output.messages' ? undefined : text.replaceAll('4111-1111', '[card]'),
  });
  simulator.enqueue({ reply: 'Noted.' });
  await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: `My card is 4111-1111. ${'x'.repeat(200)}` }],
  });
  const attributes = onlySpan().attributes;
  const input = attributes['gen_ai.input.messages'] as string;
  assert.ok(input.startsWith('[{"role":"user","parts":[{"type":"text","content":"My card is [card].'), input);
  assert.equal(Buffer.byteLength(input), 80);
  assert.equal(attributes['gen_ai.output.messages'], undefined, 'the hook dropped it');
  assert.deepEqual(attributes['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(typeof attributes['gen_ai.usage.output_tokens'], 'number');
});

test('a redaction hook that throws drops the content and the call goes on', async () => {
  harness.configure({
    captureContent: true,
    redact: () => {
      throw new Error('hook bug');
    },
  });
  const completion = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Hi' }],
  });
  assert.equal(completion.object, 'chat.completion');
  const attributes = onlySpan().attributes;
  assert.equal(attributes['gen_ai.input.messages'], undefined);
  assert.deepEqual(attributes['gen_ai.response.finish_reasons'], ['stop']);
});
