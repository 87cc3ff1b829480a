import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startSimulator } from './simulator.ts';
import type { Simulator } from './simulator.ts';
import { QUESTION, WEATHER_TOOL } from './fixtures.ts';

describe('simulator: the Responses API through the openai v7 client', () => {
  let sim: Simulator;
  let client: OpenAI;

  before(async () => {
    sim = await startSimulator();
    client = new OpenAI({ apiKey: 'test', baseURL: sim.url, maxRetries: 0 });
  });
  beforeEach(() => sim.reset());
  after(() => sim.close());

  it('answers the Responses API with a message, echoed instructions and Responses-style usage', async () => {
    const response = await client.responses.create({
      model: 'gpt-4o-mini',
      instructions: 'Be brief.',
      input: QUESTION,
    });
    assert.match(response.id, /^resp_[0-9a-f]{50}$/);
    assert.deepEqual(
      [response.object, response.status, response.model, response.instructions],
      ['response', 'completed', 'gpt-4o-mini-2024-07-18', 'Be brief.'],
    );
    assert.equal(response.output.length, 1);
    const message = response.output[0];
    assert.ok(message?.type === 'message');
    assert.match(message.id, /^msg_[0-9a-f]{50}$/);
    assert.ok(response.output_text.startsWith(`Based on your question about "${QUESTION}"`));
    assert.deepEqual(response.usage, {
      input_tokens: 3 + 8 + Math.ceil('Be brief.'.length / 4) + Math.ceil(QUESTION.length / 4),
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: Math.ceil(response.output_text.length / 4),
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens:
        3 +
        8 +
        Math.ceil('Be brief.'.length / 4) +
        Math.ceil(QUESTION.length / 4) +
        Math.ceil(response.output_text.length / 4),
    });

    const tools: OpenAI.Responses.FunctionTool[] = [
      { type: 'function', name: 'get_weather', parameters: WEATHER_TOOL.function.parameters, strict: true },
    ];
    const withTool = await client.responses.create({ model: 'o4-mini', input: 'Weather in Paris?', tools });
    assert.deepEqual(
      withTool.output.map((item) => item.type),
      ['reasoning', 'function_call'],
    );
    const call = withTool.output[1];
    assert.ok(call?.type === 'function_call');
    assert.deepEqual(
      [call.name, JSON.parse(call.arguments)],
      ['get_weather', { city: 'Paris', unit: 'celsius', days: 7 }],
    );
    assert.ok(call.call_id.startsWith('call_'));
    assert.ok((withTool.usage?.output_tokens_details.reasoning_tokens ?? 0) > 0);

    const followUp = await client.responses.create({
      model: 'gpt-4o-mini',
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        call,
        { type: 'function_call_output', call_id: call.call_id, output: '21°C' },
      ],
      tools,
    });
    assert.ok(followUp.output_text.startsWith('Based on the get_weather result (21°C)'));
  });

  it('streams Responses API events in the real order with consecutive sequence numbers', async () => {
    const stream = await client.responses.create({ model: 'gpt-4o-mini', input: QUESTION, stream: true });
    const events = [];
    for await (const event of stream) events.push(event);

    const types = events.map((event) => event.type).filter((type, index, all) => type !== all[index - 1]);
    assert.deepEqual(types, [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    assert.deepEqual(
      events.map((event) => event.sequence_number),
      events.map((_, index) => index),
    );
    const deltas = events.flatMap((event) => (event.type === 'response.output_text.delta' ? [event.delta] : []));
    assert.ok(deltas.length >= 20);
    const completed = events.at(-1);
    assert.ok(completed?.type === 'response.completed');
    const done = events.find((event) => event.type === 'response.output_text.done');
    assert.equal(deltas.join(''), done?.type === 'response.output_text.done' ? done.text : undefined);
    const message = completed.response.output[0];
    assert.equal(
      message?.type === 'message' && message.content[0]?.type === 'output_text' ? message.content[0].text : undefined,
      deltas.join(''),
    );
    const created = events[0];
    assert.ok(created?.type === 'response.created');
    assert.deepEqual(
      [created.response.status, created.response.output, created.response.id],
      ['in_progress', [], completed.response.id],
    );
  });
});
