import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import OpenAIV6 from 'openai-v6';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { startSimulator } from './simulator.ts';
import type { Simulator } from './simulator.ts';
import { QUESTION, WEATHER_TOOL } from './fixtures.ts';

describe('simulator: chat completions through the openai v7 client', () => {
  let sim: Simulator;
  let client: OpenAI;

  before(async () => {
    sim = await startSimulator();
    client = new OpenAI({ apiKey: 'test', baseURL: sim.url, maxRetries: 0 });
  });
  beforeEach(() => sim.reset());
  after(() => sim.close());

  it('answers a chat completion with the dated snapshot, a stable fingerprint, usage and a request id', async () => {
    const { data: completion, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: QUESTION }] })
      .withResponse();

    assert.match(completion.id, /^chatcmpl-[A-Za-z0-9]{29}$/);
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, 'gpt-4o-mini-2024-07-18');
    assert.match(completion.system_fingerprint ?? '', /^fp_[0-9a-f]{10}$/);
    assert.equal(completion.service_tier, 'default');
    const [choice] = completion.choices;
    assert.equal(choice?.finish_reason, 'stop');
    assert.equal(choice?.logprobs, null);
    const content = choice?.message.content ?? '';
    assert.ok(content.startsWith(`Based on your question about "${QUESTION}", here is a short answer.`), content);
    const words = content.split(' ').length;
    assert.ok(words >= 40 && words <= 100, `${words} words`);
    assert.deepEqual(completion.usage, {
      prompt_tokens: 3 + 4 + Math.ceil(QUESTION.length / 4),
      completion_tokens: Math.ceil(content.length / 4),
      total_tokens: 3 + 4 + Math.ceil(QUESTION.length / 4) + Math.ceil(content.length / 4),
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    });

    const [recorded] = await sim.waitForRequests(1);
    assert.equal(response.headers.get('x-request-id'), recorded?.requestId);
    assert.equal(response.headers.get('openai-version'), '2020-10-01');
    assert.match(response.headers.get('openai-processing-ms') ?? '', /^\d+$/);
    assert.deepEqual(recorded?.body, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: QUESTION }] });
    assert.equal(recorded?.path, '/v1/chat/completions');
    assert.equal(recorded?.method, 'POST');
    assert.deepEqual(
      [recorded?.status, recorded?.stream, recorded?.completed, recorded?.closedEarly, recorded?.chunksWritten],
      [200, false, true, false, 1],
    );

    // Same conditions, same answer: the reply is derived from the prompt only.
    const again = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: QUESTION }],
    });
    assert.equal(again.choices[0]?.message.content, content);
    assert.equal(again.system_fingerprint, completion.system_fingerprint);
  });

  it('reports scripted content, model, fingerprint and usage, and the simulator-wide overrides', async () => {
    sim.setResolvedModel((requested) => `${requested}-2025-03-01`);
    sim.setSystemFingerprint('fp_0123456789');
    sim.enqueue(
      { reply: 'Paris.', usage: { inputTokens: 1500, cachedTokens: 1024 } },
      { reply: 'Lyon.', model: 'gpt-4o-mini-2024-11-20', systemFingerprint: null },
    );
    const messages = [{ role: 'user' as const, content: QUESTION }];
    const first = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, service_tier: 'flex' });
    const second = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });

    assert.deepEqual(
      [
        first.choices[0]?.message.content,
        first.model,
        first.system_fingerprint,
        first.service_tier,
        first.usage?.prompt_tokens,
        first.usage?.prompt_tokens_details?.cached_tokens,
        first.usage?.completion_tokens,
      ],
      ['Paris.', 'gpt-4o-mini-2025-03-01', 'fp_0123456789', 'flex', 1500, 1024, 2],
    );
    assert.deepEqual(
      [second.choices[0]?.message.content, second.model, second.system_fingerprint],
      ['Lyon.', 'gpt-4o-mini-2024-11-20', null],
    );
    assert.equal(sim.pendingScripts, 0);
  });

  it('applies scripts only to matching requests, `times` times, in FIFO order', async () => {
    sim.enqueue(
      { match: '/embeddings', status: 400, error: { message: 'bad input' } },
      { match: (body) => body.model === 'gpt-4.1', reply: 'for gpt-4.1', times: 2 },
      { reply: 'first unmatched' },
    );
    const ask = async (model: string): Promise<string | null | undefined> =>
      (await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })).choices[0]?.message
        .content;
    assert.equal(await ask('gpt-4o'), 'first unmatched');
    assert.equal(await ask('gpt-4.1'), 'for gpt-4.1');
    assert.equal(await ask('gpt-4.1'), 'for gpt-4.1');
    assert.equal(sim.pendingScripts, 1);
    await assert.rejects(client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }), {
      status: 400,
      message: '400 bad input',
    });
    assert.equal(sim.pendingScripts, 0);
  });

  it('streams chat chunks (role, ≥ 20 content pieces, finish) with a final usage chunk', async () => {
    const messages = [{ role: 'user' as const, content: QUESTION }];
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const full = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });

    const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    assert.equal(content, full.choices[0]?.message.content);
    assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: 'assistant', content: '', refusal: null });
    assert.ok(chunks.length >= 22, `${chunks.length} chunks`);
    assert.ok(new Set(chunks.map((chunk) => chunk.id)).size === 1 && chunks[0]?.id.startsWith('chatcmpl-'));
    const finish = chunks.at(-2);
    assert.deepEqual(finish?.choices, [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
    assert.ok(chunks.slice(0, -1).every((chunk) => chunk.usage === null && chunk.model === 'gpt-4o-mini-2024-07-18'));
    const last = chunks.at(-1);
    assert.deepEqual(last?.choices, []);
    assert.deepEqual(last?.usage, full.usage);

    const [recorded] = await sim.waitForRequests(1);
    assert.deepEqual(
      [recorded?.stream, recorded?.completed, recorded?.closedEarly, recorded?.chunksWritten],
      [true, true, false, chunks.length],
    );
  });

  it('streams n > 1 choices with interleaved indexes and no usage chunk unless asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      n: 2,
      messages: [{ role: 'user', content: QUESTION }],
      stream: true,
    });
    const texts = ['', ''];
    const indexes: number[] = [];
    for await (const chunk of stream) {
      assert.equal(chunk.usage, undefined);
      const choice = chunk.choices[0]!;
      indexes.push(choice.index);
      texts[choice.index] += choice.delta.content ?? '';
    }
    assert.deepEqual(indexes.slice(0, 4), [0, 1, 0, 1]);
    assert.notEqual(texts[0], texts[1]);
    assert.ok(texts.every((text) => text.startsWith(`Based on your question about "${QUESTION}"`)));
  });

  it('calls the first tool with arguments generated from its JSON Schema, then summarizes the tool result', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [WEATHER_TOOL] });
    const choice = first.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    const call = choice.message.tool_calls?.[0];
    assert.ok(call?.type === 'function');
    assert.match(call.id, /^call_[A-Za-z0-9]{24}$/);
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris', unit: 'celsius', days: 7 });

    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '{"temperature":21,"sky":"clear"}' });
    const second = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [WEATHER_TOOL] });
    assert.equal(second.choices[0]?.finish_reason, 'stop');
    assert.ok(
      second.choices[0]?.message.content?.startsWith(
        'Based on the get_weather result ({"temperature":21,"sky":"clear"}), here is what I found.',
      ),
    );

    const none = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: messages.slice(0, 1),
      tools: [WEATHER_TOOL],
      tool_choice: 'none',
    });
    assert.equal(none.choices[0]?.finish_reason, 'stop');
  });

  it('streams scripted parallel tool calls with arguments split across chunks', async () => {
    sim.enqueue({
      toolCalls: [
        { name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius', days: 1 } },
        { name: 'get_time', arguments: '{"zone":"CET"}' },
      ],
    });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [WEATHER_TOOL],
      stream: true,
    });
    const calls: Array<{ id: string; name: string; arguments: string; pieces: number }> = [];
    let finishReason: string | null = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0]!;
      finishReason = choice.finish_reason ?? finishReason;
      for (const delta of choice.delta.tool_calls ?? []) {
        if (delta.id !== undefined)
          calls[delta.index] = { id: delta.id, name: delta.function?.name ?? '', arguments: '', pieces: 0 };
        const call = calls[delta.index]!;
        call.arguments += delta.function?.arguments ?? '';
        if (delta.function?.arguments) call.pieces += 1;
      }
    }
    assert.equal(finishReason, 'tool_calls');
    assert.deepEqual(
      calls.map(({ name, arguments: args }) => [name, args]),
      [
        ['get_weather', '{"city":"Paris","unit":"celsius","days":1}'],
        ['get_time', '{"zone":"CET"}'],
      ],
    );
    assert.ok(calls.every((call) => call.id.startsWith('call_') && call.pieces > 3));
  });

  it('answers structured outputs from the zod schema, so chat.completions.parse yields a valid object', async () => {
    const Invoice = z.object({
      customer: z.object({ name: z.string(), email: z.string() }),
      total: z.number(),
      currency: z.enum(['EUR', 'USD']),
      lines: z.array(z.object({ description: z.string(), quantity: z.number().int() })),
      due_date: z.string().nullable(),
    });
    const completion = await client.chat.completions.parse({
      model: 'gpt-4o-2024-08-06',
      messages: [{ role: 'user', content: 'Extract the invoice.' }],
      response_format: zodResponseFormat(Invoice, 'invoice'),
    });
    assert.equal(completion.model, 'gpt-4o-2024-08-06');
    assert.deepEqual(completion.choices[0]?.message.parsed, {
      customer: { name: 'Ada Lovelace', email: 'ada.lovelace@example.com' },
      total: 1249.5,
      currency: 'EUR',
      lines: [
        { description: 'The invoice total matches the purchase order and is due within 30 days.', quantity: 3 },
        { description: 'The customer asked to move the delivery to next week.', quantity: 4 },
      ],
      due_date: '2024-07-18',
    });

    const json = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      response_format: { type: 'json_object' },
    });
    assert.deepEqual(Object.keys(JSON.parse(json.choices[0]?.message.content ?? '') as object), [
      'answer',
      'topic',
      'confidence',
    ]);
  });

  it('reports refusals, `length` finishes and max_tokens truncation', async () => {
    sim.enqueue({ refusal: "I'm sorry, I can't help with that." }, { reply: 'Cut short', finishReason: 'length' });
    const messages = [{ role: 'user' as const, content: QUESTION }];
    const refused = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    assert.deepEqual(
      [refused.choices[0]?.message.content, refused.choices[0]?.message.refusal],
      [null, "I'm sorry, I can't help with that."],
    );
    const length = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    assert.deepEqual([length.choices[0]?.message.content, length.choices[0]?.finish_reason], ['Cut short', 'length']);
    const truncated = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      max_completion_tokens: 5,
    });
    assert.deepEqual(
      [truncated.choices[0]?.message.content, truncated.choices[0]?.finish_reason],
      ['Based on your question about', 'length'],
    );
  });

  it('answers unknown paths with 404 and an OpenAI error body', async () => {
    const response = await fetch(`${sim.url}/nope`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 404);
    assert.match(response.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{32}$/);
    assert.deepEqual(await response.json(), {
      error: { message: 'Invalid URL (POST /v1/nope)', type: 'invalid_request_error', param: null, code: null },
    });
    await assert.rejects(client.models.list(), OpenAI.NotFoundError);
  });

  it('works with the openai v6 client too', async () => {
    const v6 = new OpenAIV6({ apiKey: 'test', baseURL: sim.url, maxRetries: 0 });
    sim.enqueue({ reply: 'Paris is the capital of France.' });
    const completion = await v6.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: QUESTION }],
    });
    assert.equal(completion.choices[0]?.message.content, 'Paris is the capital of France.');
    const embedding = await v6.embeddings.create({ model: 'text-embedding-3-small', input: 'first text' });
    const expected = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'first text' });
    assert.deepEqual(embedding.data[0]?.embedding, expected.data[0]?.embedding);
    assert.equal(sim.requests[0]?.headers['user-agent'], 'OpenAI/JS 6.49.0');
  });
});
