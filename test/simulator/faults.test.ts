import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import { HTML_ERROR_PAGE } from './exchange.ts';
import { startSimulator } from './simulator.ts';
import type { Simulator } from './simulator.ts';

const REQUEST = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user' as const, content: 'What is the capital of France?' }],
};

describe('simulator faults, as the openai v7 client experiences them', () => {
  let sim: Simulator;
  let client: OpenAI;

  before(async () => {
    sim = await startSimulator();
    // logLevel 'off': the SDK otherwise prints the malformed SSE line to stderr.
    client = new OpenAI({ apiKey: 'test', baseURL: sim.url, maxRetries: 0, logLevel: 'off' });
  });
  beforeEach(() => sim.reset());
  after(() => sim.close());

  it('answers 429 with retry-after-ms, and the client retries into the next script', async () => {
    sim.enqueue({ status: 429, retryAfterMs: 5 }, { reply: 'Paris.' });
    const retrying = new OpenAI({ apiKey: 'test', baseURL: sim.url, maxRetries: 2 });
    const completion = await retrying.chat.completions.create(REQUEST);

    assert.equal(completion.choices[0]?.message.content, 'Paris.');
    const requests = await sim.waitForRequests(2);
    assert.equal(sim.requests.length, 2);
    assert.deepEqual(
      requests.map((request) => [request.status, request.headers['x-stainless-retry-count']]),
      [
        [429, '0'],
        [200, '1'],
      ],
    );
    assert.equal(completion._request_id, requests[1]?.requestId);
  });

  it('sends the retry-after header in seconds and the rate-limit error body', async () => {
    sim.enqueue({ status: 429, retryAfter: 2 });
    const error = await client.chat.completions.create(REQUEST).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof OpenAI.RateLimitError);
    assert.equal(error.headers.get('retry-after'), '2');
    assert.equal(error.headers.get('retry-after-ms'), null);
    assert.deepEqual([error.code, error.type, error.param], ['rate_limit_exceeded', 'requests', null]);
    assert.match(error.message, /^429 Rate limit reached for gpt-4o-mini/);
    assert.match(error.requestID ?? '', /^req_[0-9a-f]{32}$/);
  });

  it('answers 500 with a server_error body, and a client without retries sees InternalServerError', async () => {
    sim.enqueue({ status: 500 });
    await assert.rejects(client.chat.completions.create(REQUEST), (error: unknown) => {
      assert.ok(error instanceof OpenAI.InternalServerError);
      assert.equal(error.status, 500);
      assert.deepEqual(error.error, {
        message: 'The server had an error while processing your request. Sorry about that!',
        type: 'server_error',
        param: null,
        code: null,
      });
      return true;
    });
    assert.equal(sim.requests.length, 1);
  });

  it('hangs until the client times out, and records the request as closed early with no status', async () => {
    sim.enqueue({ hang: true });
    await assert.rejects(client.chat.completions.create(REQUEST, { timeout: 100 }), OpenAI.APIConnectionTimeoutError);
    const [request] = await sim.waitForRequests(1);
    assert.deepEqual(
      [request?.status, request?.closedEarly, request?.completed, request?.chunksWritten],
      [0, true, false, 0],
    );
  });

  it('waits delayMs before answering', async () => {
    sim.enqueue({ delayMs: 60, reply: 'late' });
    const started = performance.now();
    const completion = await client.chat.completions.create(REQUEST);
    assert.equal(completion.choices[0]?.message.content, 'late');
    assert.ok(performance.now() - started >= 55);
  });

  it('cuts a stream after 3 chunks without [DONE], and the consumer sees an error', async () => {
    sim.enqueue({ cutAfterChunks: 3 });
    const stream = await client.chat.completions.create({ ...REQUEST, stream: true });
    const received: string[] = [];
    await assert.rejects(
      async () => {
        for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
      },
      { name: 'TypeError', message: 'terminated' },
    );
    assert.deepEqual(received, ['', 'Based', ' on']);
    const [request] = await sim.waitForRequests(1);
    assert.deepEqual(
      [request?.status, request?.completed, request?.closedEarly, request?.chunksWritten],
      [200, false, false, 3],
    );
  });

  it('drops the connection of a non-stream request with cutAfterChunks', async () => {
    sim.enqueue({ cutAfterChunks: 0 });
    await assert.rejects(client.chat.completions.create(REQUEST), OpenAI.APIConnectionError);
  });

  it('sends a malformed SSE data line, and the consumer sees a SyntaxError', async () => {
    sim.enqueue({ malformed: true });
    const stream = await client.chat.completions.create({ ...REQUEST, stream: true });
    let chunks = 0;
    await assert.rejects(
      async () => {
        for await (const _chunk of stream) chunks += 1;
      },
      { name: 'SyntaxError', message: 'Error reading response: malformed server-sent event JSON.' },
    );
    assert.equal(chunks, 2);
    sim.enqueue({ malformed: true });
    await assert.rejects(client.chat.completions.create(REQUEST), SyntaxError);
  });

  it('records closedEarly when the consumer breaks out of a chat stream after 3 chunks', async () => {
    const stream = await client.chat.completions.create({ ...REQUEST, stream: true });
    let chunks = 0;
    for await (const _chunk of stream) if (++chunks === 3) break;
    const [request] = await sim.waitForRequests(1);
    assert.deepEqual([request?.status, request?.closedEarly, request?.completed], [200, true, false]);
    // The full answer is ~98 chunks; the close is seen within a few 2 ms ticks.
    assert.ok(request!.chunksWritten >= 3 && request!.chunksWritten < 20, String(request?.chunksWritten));
  });

  it('records closedEarly when the consumer breaks out of a Responses stream', async () => {
    const stream = await client.responses.create({ model: 'gpt-4o-mini', input: 'hi', stream: true });
    for await (const event of stream) if (event.type === 'response.output_text.delta') break;
    const [request] = await sim.waitForRequests(1);
    assert.deepEqual([request?.closedEarly, request?.completed], [true, false]);
    assert.ok(request!.chunksWritten < 20, String(request?.chunksWritten));
  });

  it('stalls a stream after hangAfterChunks until the caller aborts it', async () => {
    sim.enqueue({ hangAfterChunks: 2 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ ...REQUEST, stream: true }, { signal: controller.signal });
    let chunks = 0;
    for await (const _chunk of stream) if (++chunks === 2) setTimeout(() => controller.abort(), 20);
    // The SDK ends the iteration quietly when its own signal aborts the stream.
    assert.equal(chunks, 2);
    const [request] = await sim.waitForRequests(1);
    assert.deepEqual([request?.closedEarly, request?.completed, request?.chunksWritten], [true, false, 2]);
  });

  it('slows chunks with chunkDelayMs', async () => {
    sim.enqueue({ reply: 'one two three four five', chunkDelayMs: 15 });
    const started = performance.now();
    const stream = await client.chat.completions.create({ ...REQUEST, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'one two three four five');
    // role + 5 words + finish = 7 chunks, each followed by a 15 ms pause.
    assert.ok(performance.now() - started >= 7 * 15 - 5);
  });

  it('answers 200 with an HTML error page, which the client returns as a string, streamed or not', async () => {
    sim.enqueue({ htmlErrorPage: true, times: 2 });
    const page = (await client.chat.completions.create(REQUEST)) as unknown;
    assert.equal(page, HTML_ERROR_PAGE);
    const chunks: unknown[] = [];
    for await (const chunk of await client.chat.completions.create({ ...REQUEST, stream: true })) chunks.push(chunk);
    assert.deepEqual(chunks, []);
    const requests = await sim.waitForRequests(2);
    assert.deepEqual(
      requests.map((request) => [request.status, request.completed]),
      [
        [200, true],
        [200, true],
      ],
    );
  });

  it('rejects bad JSON bodies with 400 and closes hanging requests on close()', async () => {
    const response = await fetch(`${sim.url}/chat/completions`, {
      method: 'POST',
      body: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: { type: string } }).error.type, 'invalid_request_error');

    const other = await startSimulator();
    other.enqueue({ hang: true });
    const hanging = new OpenAI({ apiKey: 'test', baseURL: other.url, maxRetries: 0 }).chat.completions.create(REQUEST);
    await other.waitForRequests(1, { settled: false });
    await other.close();
    await assert.rejects(hanging, OpenAI.APIConnectionError);
    const [request] = other.requests;
    assert.deepEqual([request?.closedEarly, request?.completed, request?.status], [false, false, 0]);
  });
});
