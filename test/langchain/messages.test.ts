/**
 * LangChain model spans with content capture on and no provider adapter (the OpenAI adapter off):
 * the run's messages as the GenAI conventions' `gen_ai.input.messages` and `gen_ai.output.messages`
 * (v1.41.1 JSON schemas), on real `ChatOpenAI` calls to the simulator, and
 * `gen_ai.system_instructions` for a provider that takes them apart from the history. Capture off:
 * none of them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attributes } from '@opentelemetry/api';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { z } from 'zod';
import type { Simulator } from '../simulator/simulator.ts';
import { createLangChainHarness, useSimulator } from './harness.ts';

const harness = createLangChainHarness();
let sim: Simulator;
useSimulator(harness, (started) => (sim = started));

const model = () =>
  new ChatOpenAI({ model: 'gpt-4o-mini', configuration: { baseURL: sim.url }, apiKey: 'test', maxRetries: 0 });

const getWeather = tool(({ city }) => `22 degrees in ${city}`, {
  name: 'get_weather',
  description: 'Weather of a city',
  schema: z.object({ city: z.string() }),
});

/** `get_weather` as gen_ai.tool.definitions holds it: the JSON Schema ChatOpenAI sent for its zod schema. */
const WEATHER_DEFINITION = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather of a city',
  parameters: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
};

/** The one chat span's attributes, the JSON content attributes parsed. */
function chatAttributes(): Attributes & Record<string, unknown> {
  const chats = harness.spans().filter((span) => span.name === 'chat gpt-4o-mini');
  assert.equal(chats.length, 1, 'one model span');
  const attributes: Record<string, unknown> = { ...chats[0]!.attributes };
  for (const key of [
    'gen_ai.input.messages',
    'gen_ai.output.messages',
    'gen_ai.system_instructions',
    'gen_ai.tool.definitions',
  ])
    if (typeof attributes[key] === 'string') attributes[key] = JSON.parse(attributes[key]);
  return attributes;
}

/** What every answered chat span of `gpt-4o-mini` carries besides its messages; ids and digests as recorded. */
function answered(
  attributes: Record<string, unknown>,
  finishReason: string,
  inputTokens: number,
  outputTokens: number,
) {
  assert.match(String(attributes['gen_ai.response.id']), /^chatcmpl-/);
  assert.match(String(attributes['runproof.call.fingerprint']), /^[0-9a-f]{64}$/);
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    'gen_ai.response.id': attributes['gen_ai.response.id'],
    'gen_ai.response.finish_reasons': [finishReason],
    'openai.response.system_fingerprint': attributes['openai.response.system_fingerprint'],
    'gen_ai.usage.input_tokens': inputTokens,
    'gen_ai.usage.output_tokens': outputTokens,
    'runproof.call.fingerprint': attributes['runproof.call.fingerprint'],
  };
}

test('a plain chat call records the user message and the answer, with its finish reason', async () => {
  harness.configure({ captureContent: true });
  sim.enqueue({ reply: 'Paris.', usage: { inputTokens: 12, outputTokens: 2 } });
  const answer = await model().invoke('Capital of France?');
  assert.equal(answer.content, 'Paris.');
  const attributes = chatAttributes();
  assert.deepEqual(attributes, {
    ...answered(attributes, 'stop', 12, 2),
    'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: 'Capital of France?' }] }],
    'gen_ai.output.messages': [
      { role: 'assistant', parts: [{ type: 'text', content: 'Paris.' }], finish_reason: 'stop' },
    ],
  });
});

test("a system prompt sent in OpenAI's chat history stays in gen_ai.input.messages, as the OpenAI adapter records it", async () => {
  harness.configure({ captureContent: true });
  sim.enqueue({ reply: 'Paris.', usage: { inputTokens: 20, outputTokens: 2 } });
  await model().invoke([new SystemMessage('Answer in one word.'), new HumanMessage('Capital of France?')]);
  const attributes = chatAttributes();
  assert.deepEqual(attributes, {
    ...answered(attributes, 'stop', 20, 2),
    'gen_ai.input.messages': [
      { role: 'system', parts: [{ type: 'text', content: 'Answer in one word.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'Capital of France?' }] },
    ],
    'gen_ai.output.messages': [
      { role: 'assistant', parts: [{ type: 'text', content: 'Paris.' }], finish_reason: 'stop' },
    ],
  });
});

test("a tool call is a tool_call part of the answer; the next turn sends it back with the tool's result as tool_call_response", async () => {
  harness.configure({ captureContent: true });
  sim.enqueue(
    { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }], usage: { inputTokens: 30, outputTokens: 9 } },
    { reply: 'It is 22 degrees in Paris.', usage: { inputTokens: 50, outputTokens: 8 } },
  );
  const withTools = model().bindTools([getWeather]);
  const question = new HumanMessage('Weather in Paris?');
  const call = await withTools.invoke([question]);
  const callId = call.tool_calls?.[0]?.id;
  assert.ok(callId !== undefined);
  const first = chatAttributes();
  const evaluation = { 'runproof.validation.checkpoint': 'tool_calls', 'runproof.validation.outcome': 'pass' };
  assert.deepEqual(first, {
    ...answered(first, 'tool_calls', 30, 9),
    ...evaluation,
    'gen_ai.tool.definitions': [WEATHER_DEFINITION],
    'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] }],
    'gen_ai.output.messages': [
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: callId, name: 'get_weather', arguments: { city: 'Paris' } }],
        finish_reason: 'tool_calls',
      },
    ],
  });
  await harness.reset();
  harness.configure({ captureContent: true });
  const result = new ToolMessage({ content: '22 degrees in Paris', tool_call_id: callId });
  const answer = await withTools.invoke([question, call, result]);
  assert.equal(answer.content, 'It is 22 degrees in Paris.');
  const second = chatAttributes();
  assert.deepEqual(second, {
    ...answered(second, 'stop', 50, 8),
    'gen_ai.tool.definitions': [WEATHER_DEFINITION],
    'gen_ai.input.messages': [
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: callId, name: 'get_weather', arguments: { city: 'Paris' } }],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: callId, response: '22 degrees in Paris' }] },
    ],
    'gen_ai.output.messages': [
      { role: 'assistant', parts: [{ type: 'text', content: 'It is 22 degrees in Paris.' }], finish_reason: 'stop' },
    ],
  });
});

test('multi-part content: text, an image by URL and an inline image, each as its part', async () => {
  harness.configure({ captureContent: true });
  sim.enqueue({ reply: 'A cat.', usage: { inputTokens: 40, outputTokens: 2 } });
  await model().invoke([
    new HumanMessage({
      content: [
        { type: 'text', text: 'What is in these pictures?' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
        { type: 'image', mimeType: 'image/png', data: 'iVBORw0KGgo=' },
      ],
    }),
    new AIMessage({ content: [{ type: 'text', text: 'Let me look.' }] }),
    new HumanMessage('Well?'),
  ]);
  const attributes = chatAttributes();
  assert.deepEqual(attributes, {
    ...answered(attributes, 'stop', 40, 2),
    'gen_ai.input.messages': [
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'What is in these pictures?' },
          { type: 'uri', modality: 'image', uri: 'https://example.com/cat.png' },
          { type: 'blob', modality: 'image', mime_type: 'image/png', content: 'iVBORw0KGgo=' },
        ],
      },
      { role: 'assistant', parts: [{ type: 'text', content: 'Let me look.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'Well?' }] },
    ],
    'gen_ai.output.messages': [
      { role: 'assistant', parts: [{ type: 'text', content: 'A cat.' }], finish_reason: 'stop' },
    ],
  });
});

test('generate() with two prompts at once: each model span records its own prompt and answer', async () => {
  harness.configure({ captureContent: true });
  sim.enqueue({ reply: 'Paris.' }, { reply: 'Rome.' });
  await model().generate([[new HumanMessage('Capital of France?')], [new HumanMessage('Capital of Italy?')]]);
  const recorded = harness
    .spans()
    .map((span) => [span.attributes['gen_ai.input.messages'], span.attributes['gen_ai.output.messages']])
    .map((pair) => pair.map((value) => JSON.parse(String(value)) as unknown))
    .sort((left, right) => JSON.stringify(left).localeCompare(JSON.stringify(right)));
  assert.deepEqual(recorded, [
    [
      [{ role: 'user', parts: [{ type: 'text', content: 'Capital of France?' }] }],
      [{ role: 'assistant', parts: [{ type: 'text', content: 'Paris.' }], finish_reason: 'stop' }],
    ],
    [
      [{ role: 'user', parts: [{ type: 'text', content: 'Capital of Italy?' }] }],
      [{ role: 'assistant', parts: [{ type: 'text', content: 'Rome.' }], finish_reason: 'stop' }],
    ],
  ]);
});

test('a streamed answer is recorded whole, once the stream ends', async () => {
  harness.configure({ captureContent: true });
  sim.enqueue({ reply: 'Paris is the capital of France.' });
  let text = '';
  for await (const chunk of await model().stream('Capital of France?')) text += chunk.text;
  assert.equal(text, 'Paris is the capital of France.');
  assert.deepEqual(chatAttributes()['gen_ai.output.messages'], [
    { role: 'assistant', parts: [{ type: 'text', content: 'Paris is the capital of France.' }], finish_reason: 'stop' },
  ]);
});

test('a stream its caller abandons records the request it sent, and no answer', async () => {
  harness.configure({ captureContent: true });
  sim.enqueue({ reply: Array.from({ length: 60 }, (_, index) => `word${index}`).join(' '), chunkDelayMs: 2 });
  let chunks = 0;
  for await (const _chunk of await model().stream('Tell me a long story.')) if (++chunks === 3) break;
  const span = harness.span('chat gpt-4o-mini');
  assert.equal(span.ended, true);
  assert.equal(
    span.attributes['gen_ai.input.messages'],
    '[{"role":"user","parts":[{"type":"text","content":"Tell me a long story."}]}]',
  );
  assert.equal(span.attributes['gen_ai.output.messages'], undefined);
});

test('each message attribute goes through the redaction hook and is cut to maxContentBytes', async () => {
  harness.configure({
    captureContent: true,
    maxContentBytes: 80,
    redact: (text) => text.replaceAll('4111-1111', '[card]'),
  });
  sim.enqueue({ reply: 'Noted: 4111-1111.' });
  await model().invoke('My card is 4111-1111, please remember it for the next order.');
  const span = harness.span('chat gpt-4o-mini');
  assert.equal(
    span.attributes['gen_ai.input.messages'],
    '[{"role":"user","parts":[{"type":"text","content":"My card is [card], please rem',
  );
  assert.equal(
    span.attributes['gen_ai.output.messages'],
    '[{"role":"assistant","parts":[{"type":"text","content":"Noted: [card]."}],"finis',
  );
});

test('content capture off (the default): no message attribute at all', async () => {
  sim.enqueue({ reply: 'Paris.', usage: { inputTokens: 20, outputTokens: 2 } });
  await model().invoke([new SystemMessage('Answer in one word.'), new HumanMessage('Capital of France?')]);
  const attributes = chatAttributes();
  assert.deepEqual(attributes, answered(attributes, 'stop', 20, 2));
});

/** A chat model whose provider takes system instructions apart from the messages, as Anthropic's does. */
class SeparateSystemModel extends BaseChatModel {
  _llmType(): string {
    return 'separate-system';
  }
  override getLsParams(): ReturnType<BaseChatModel['getLsParams']> {
    return { ls_provider: 'anthropic', ls_model_name: 'claude-test', ls_model_type: 'chat' };
  }
  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const text = `${messages.length} messages read.`;
    return { generations: [{ text, message: new AIMessage(text), generationInfo: { finish_reason: 'end_turn' } }] };
  }
}

test("a provider that takes system instructions apart (Anthropic's system): gen_ai.system_instructions, the rest as input messages", async () => {
  harness.configure({ captureContent: true });
  await new SeparateSystemModel({}).invoke([
    new SystemMessage('Answer in one word.'),
    new HumanMessage('Capital of France?'),
  ]);
  const [span] = harness.spans();
  assert.equal(span?.name, 'chat claude-test');
  assert.deepEqual(
    Object.fromEntries(
      Object.entries(span.attributes).map(([key, value]) => [
        key,
        key.endsWith('messages') || key.endsWith('instructions') ? JSON.parse(String(value)) : value,
      ]),
    ),
    {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-test',
      'gen_ai.response.finish_reasons': ['end_turn'],
      'runproof.call.fingerprint': span.attributes['runproof.call.fingerprint'],
      'gen_ai.system_instructions': [{ type: 'text', content: 'Answer in one word.' }],
      'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: 'Capital of France?' }] }],
      'gen_ai.output.messages': [
        { role: 'assistant', parts: [{ type: 'text', content: '2 messages read.' }], finish_reason: 'end_turn' },
      ],
    },
  );
});

/** A chat model that offers tools in its provider's own format, as LangChain's Anthropic and Gemini integrations do. */
class ProviderToolsModel extends BaseChatModel {
  readonly tools: unknown[];
  constructor(tools: unknown[]) {
    super({});
    this.tools = tools;
  }
  _llmType(): string {
    return 'provider-tools';
  }
  override getLsParams(): ReturnType<BaseChatModel['getLsParams']> {
    return { ls_provider: 'anthropic', ls_model_name: 'claude-test', ls_model_type: 'chat' };
  }
  override invocationParams(): Record<string, unknown> {
    return { tools: this.tools };
  }
  async _generate(): Promise<ChatResult> {
    return {
      generations: [{ text: 'ok', message: new AIMessage('ok'), generationInfo: { finish_reason: 'end_turn' } }],
    };
  }
}

const CITY_SCHEMA = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

test("tools in Anthropic's and Gemini's formats, and a built-in tool, are recorded in the conventions' shape", async () => {
  harness.configure({ captureContent: true });
  const definitions = async (tools: unknown[]): Promise<unknown> => {
    await harness.reset();
    harness.configure({ captureContent: true });
    await new ProviderToolsModel(tools).invoke('Weather in Paris?');
    const [span] = harness.spans();
    assert.equal(span?.name, 'chat claude-test');
    return JSON.parse(String(span.attributes['gen_ai.tool.definitions']));
  };
  assert.deepEqual(
    await definitions([
      { name: 'get_weather', description: 'Weather of a city', input_schema: CITY_SCHEMA },
      { type: 'web_search_20250305', name: 'web_search' },
    ]),
    [
      { type: 'function', name: 'get_weather', description: 'Weather of a city', parameters: CITY_SCHEMA },
      { type: 'web_search_20250305', name: 'web_search' },
    ],
  );
  assert.deepEqual(
    await definitions([
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Weather of a city', parameters: CITY_SCHEMA },
          { name: 'get_time', parameters: { type: 'object', properties: {} } },
        ],
      },
    ]),
    [
      { type: 'function', name: 'get_weather', description: 'Weather of a city', parameters: CITY_SCHEMA },
      { type: 'function', name: 'get_time', parameters: { type: 'object', properties: {} } },
    ],
  );
});

/** A Gemini-style model that asks for `get_stock`, a tool it may not have been offered. */
class StockCallingModel extends ProviderToolsModel {
  override async _generate(): Promise<ChatResult> {
    const message = new AIMessage({ content: '', tool_calls: [{ name: 'get_stock', args: {}, id: 'call_1' }] });
    return { generations: [{ text: '', message, generationInfo: { finish_reason: 'STOP' } }] };
  }
}

test("Gemini's function declarations are the call's tools: a call to one it was not offered is flagged", async () => {
  const check = async (tools: unknown[]): Promise<unknown> => {
    await harness.reset();
    await new StockCallingModel(tools).invoke('Price of ACME?');
    const [span] = harness.spans();
    assert.equal(span?.name, 'chat claude-test');
    return {
      outcome: span.attributes['runproof.validation.outcome'],
      checkpoint: span.attributes['runproof.validation.checkpoint'],
      failure: span.events.find((event) => event.name === 'runproof.validation.failure')?.attributes,
    };
  };
  const declared = (...names: string[]): unknown[] => [
    { functionDeclarations: names.map((name) => ({ name, parameters: { type: 'object', properties: {} } })) },
  ];
  assert.deepEqual(await check(declared('get_weather')), {
    outcome: 'fail',
    checkpoint: 'tool_calls',
    failure: {
      'runproof.validation.issue.codes': ['undeclared_tool'],
      'runproof.validation.issue.paths': ['tool_calls[0].name'],
    },
  });
  assert.deepEqual(await check(declared('get_weather', 'get_stock')), {
    outcome: 'pass',
    checkpoint: 'tool_calls',
    failure: undefined,
  });
});

test("OpenAI's custom tools are the call's tools too, in the chat format and the Responses format", async () => {
  for (const tools of [
    [{ type: 'custom', custom: { name: 'get_stock', description: 'Price of a share' } }],
    [{ type: 'custom', name: 'get_stock', description: 'Price of a share' }],
  ]) {
    await harness.reset();
    harness.configure({ captureContent: true });
    await new StockCallingModel(tools).invoke('Price of ACME?');
    const [span] = harness.spans();
    assert.equal(span?.name, 'chat claude-test');
    assert.equal(span.attributes['runproof.validation.outcome'], 'pass');
    assert.equal(span.attributes['runproof.validation.checkpoint'], 'tool_calls');
    assert.deepEqual(JSON.parse(String(span.attributes['gen_ai.tool.definitions'])), [
      { type: 'custom', name: 'get_stock', description: 'Price of a share' },
    ]);
  }
});

test('tool definitions are content: none with capture off', async () => {
  await new ProviderToolsModel([{ name: 'get_weather', input_schema: CITY_SCHEMA }]).invoke('Weather in Paris?');
  const [span] = harness.spans();
  assert.equal(span?.name, 'chat claude-test');
  assert.equal(span.attributes['gen_ai.tool.definitions'], undefined);
  assert.equal(span.attributes['gen_ai.input.messages'], undefined);
});
