/**
 * The contract with the caller (DESIGN principles 1 and 2): the SDK's return values are untouched,
 * and every span ends exactly once, whatever happens to the call. Each test is a failure seen in
 * another instrumentation.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import { SpanStatusCode } from '@opentelemetry/api';
import { run } from '@runproof/core';
import type { Simulator } from '../simulator/simulator.ts';
import {
  createClient,
  diagnosticMessages,
  harness,
  onlySpan,
  OpenAI,
  shapeDigest,
  startFastSimulator,
  useSimulator,
  type Client,
} from './setup.ts';

const require = createRequire(import.meta.url);
const { Stream } = require('openai/streaming') as typeof import('openai/streaming');
const { APIPromise } = require('openai') as { APIPromise: new (...args: never[]) => unknown };

const MESSAGES = [{ role: 'user' as const, content: 'Tell me about Paris.' }];
const LONG_REPLY = Array.from({ length: 60 }, (_, index) => `word${index}`).join(' ');

let simulator: Simulator;
let client: Client;
useSimulator((fixture) => ({ simulator, client } = fixture));

/** Spans end once: the SDK logs through diag when `end()` is called on an ended span. */
function assertNoDoubleEnd(): void {
  assert.deepEqual(
    diagnosticMessages().filter((message) => message.includes('end')),
    [],
  );
}

describe('what the caller receives is unchanged', () => {
  test('create() returns an APIPromise with withResponse(), asResponse() and _request_id', async () => {
    const promise = client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    assert.ok(promise instanceof APIPromise);
    const { data, response, request_id } = await promise.withResponse();
    assert.equal(response.status, 200);
    assert.equal(request_id, simulator.requests[0]!.requestId);
    assert.equal((data as { _request_id?: string | null })._request_id, request_id);
    assert.equal(data.object, 'chat.completion');
    assert.equal(onlySpan().attributes['openai.request.id'], request_id);
    // The SDK's object as the SDK builds it, nothing of ours stuck on it: the same own members as
    // the promise of a request no instrumentation sees (`post()` is the SDK's untyped request method).
    const untouched = client.post('/chat/completions', { body: { model: 'gpt-4o-mini', messages: MESSAGES } });
    await untouched;
    assert.deepEqual(Object.getOwnPropertyNames(promise), Object.getOwnPropertyNames(untouched));
  });

  test('asResponse() leaves the body to the caller, and the span still ends', async () => {
    const response = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }).asResponse();
    const body = (await response.json()) as { object: string };
    assert.equal(body.object, 'chat.completion');
    // The span ends on the turn after the response: a caller that then awaits the promise too
    // would parse within this one, and the span would carry what it parsed.
    await setImmediate();
    const span = onlySpan();
    assert.equal(
      span.attributes['runproof.call.attempts'],
      undefined,
      'one attempt: the attribute is only there for retries',
    );
    assert.equal(span.attributes['openai.request.id'], response.headers.get('x-request-id'));
    assert.deepEqual(span.status, { code: SpanStatusCode.UNSET });
  });

  test('asResponse() to look at the headers, then await on the same promise: the span has what was parsed', async () => {
    const promise = client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    const response = await promise.asResponse();
    assert.equal(response.status, 200);
    const completion = await promise;
    const span = onlySpan();
    assert.equal(span.attributes['gen_ai.response.model'], completion.model);
    assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
    assert.equal(span.attributes['gen_ai.usage.output_tokens'], completion.usage!.completion_tokens);
  });

  test('chat.completions.parse() returns the parsed object, with one span', async () => {
    simulator.enqueue({ json: { city: 'Paris', population: 2102650 } });
    const completion = await client.chat.completions.parse({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      response_format: {
        type: 'json_schema',
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
      },
    });
    assert.deepEqual(completion.choices[0]!.message.parsed, { city: 'Paris', population: 2102650 });
    assert.equal(completion._request_id, simulator.requests[0]!.requestId);
    assert.equal(
      onlySpan().attributes['runproof.output.shape'],
      shapeDigest({ json: { city: 'string', population: 'number' } }),
    );
  });

  test('the chat.completions.stream() helper works and is recorded once', async () => {
    simulator.enqueue({ reply: 'Paris.' });
    const runner = client.chat.completions.stream({ model: 'gpt-4o-mini', messages: MESSAGES });
    let text = '';
    runner.on('content', (delta) => (text += delta));
    const completion = await runner.finalChatCompletion();
    assert.equal(text, 'Paris.');
    assert.equal(completion.choices[0]!.message.content, 'Paris.');
    assert.deepEqual(onlySpan().attributes['gen_ai.response.finish_reasons'], ['stop']);
  });

  test('create({ stream: true }) gives the SDK Stream: tee() splits it and the span reads it once', async () => {
    simulator.enqueue({ reply: 'Paris is lovely in spring.' });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
    assert.ok(stream instanceof Stream);
    const [left, right] = stream.tee();
    const read = async (branch: typeof left): Promise<string> => {
      let text = '';
      for await (const chunk of branch) text += chunk.choices[0]?.delta.content ?? '';
      return text;
    };
    assert.deepEqual(await Promise.all([read(left), read(right)]), [
      'Paris is lovely in spring.',
      'Paris is lovely in spring.',
    ]);
    assert.deepEqual(onlySpan().attributes['gen_ai.response.finish_reasons'], ['stop']);
    assertNoDoubleEnd();
  });

  test('toReadableStream() gives the chunks as JSON lines', async () => {
    simulator.enqueue({ reply: 'Paris.' });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
    const text = await new Response(stream.toReadableStream()).text();
    const chunks = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { choices: { delta: { content?: string } }[] });
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'Paris.');
    assert.deepEqual(onlySpan().attributes['gen_ai.response.finish_reasons'], ['stop']);
  });

  test('iterating a stream twice gives the SDK its own error', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
    for await (const chunk of stream) void chunk;
    await assert.rejects(
      async () => {
        for await (const chunk of stream) void chunk;
      },
      (error: Error) =>
        error instanceof OpenAI.OpenAIError && /Cannot iterate over a consumed stream/.test(error.message),
    );
    assert.deepEqual(onlySpan().status, { code: SpanStatusCode.UNSET });
  });
});

describe('every span ends exactly once', () => {
  test('a caller that breaks out after 3 chunks: the span ends with what was seen and the request is cancelled', async () => {
    const slow = await startFastSimulator();
    try {
      slow.enqueue({ reply: LONG_REPLY, chunkDelayMs: 5 });
      const stream = await createClient(slow).chat.completions.create({
        model: 'gpt-4o-mini',
        messages: MESSAGES,
        stream: true,
      });
      let seen = 0;
      for await (const chunk of stream) {
        void chunk;
        if (++seen === 3) break;
      }
      const [request] = await slow.waitForRequests(1);
      assert.equal(request!.closedEarly, true, 'the simulator saw the connection closed before the end');
      assert.equal(request!.completed, false);
      assert.ok(request!.chunksWritten < 20, `only part of the stream was sent (${request!.chunksWritten})`);
      const span = onlySpan();
      assert.deepEqual(span.status, { code: SpanStatusCode.UNSET });
      assert.equal(span.attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
      assert.equal(span.attributes['gen_ai.response.finish_reasons'], undefined);
      assert.equal(
        span.attributes['runproof.call.attempts'],
        undefined,
        'one attempt: the attribute is only there for retries',
      );
      assert.equal(typeof span.attributes['gen_ai.response.time_to_first_chunk'], 'number');
      assertNoDoubleEnd();
    } finally {
      await slow.close();
    }
  });

  test('an AbortSignal mid-call ends the span as cancelled, and the caller gets the SDK abort error', async () => {
    simulator.enqueue({ hang: true });
    const controller = new AbortController();
    const pending = client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: MESSAGES },
      { signal: controller.signal },
    );
    while (simulator.requests.length === 0) await sleep(2);
    controller.abort();
    await assert.rejects(pending, (error: Error) => error instanceof OpenAI.APIUserAbortError);
    const span = onlySpan();
    assert.equal(span.attributes['error.type'], 'cancelled');
    assert.equal(span.status.code, SpanStatusCode.ERROR);
  });

  test('an AbortSignal mid-stream ends the span as cancelled with what was seen', async () => {
    simulator.enqueue({ reply: LONG_REPLY, chunkDelayMs: 5 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: MESSAGES, stream: true },
      { signal: controller.signal },
    );
    let seen = 0;
    try {
      for await (const chunk of stream) {
        void chunk;
        if (++seen === 3) controller.abort();
      }
    } catch (error) {
      assert.ok(error instanceof Error, 'whatever the SDK throws on abort reaches the caller');
    }
    const span = onlySpan();
    assert.equal(span.attributes['error.type'], 'cancelled');
    assert.equal(span.attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
    assertNoDoubleEnd();
  });

  test('429 then success: one span, two attempts, the caller gets the answer', async () => {
    simulator.enqueue({ status: 429, retryAfterMs: 1 }, { reply: 'Paris.' });
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    assert.equal(completion.choices[0]!.message.content, 'Paris.');
    const span = onlySpan();
    assert.equal(span.attributes['runproof.call.attempts'], 2);
    assert.equal(span.attributes['openai.request.id'], simulator.requests[1]!.requestId);
    assert.deepEqual(span.status, { code: SpanStatusCode.UNSET });
  });

  test('a body that stalls past the timeout (openai 7 retries it): both attempts counted, the request id the caller got', async () => {
    simulator.enqueue({ stallBody: true });
    const impatient = new OpenAI({
      apiKey: 'sk-test',
      baseURL: simulator.url,
      maxRetries: 2,
      timeout: 300,
      logLevel: 'off',
    });
    const completion = await impatient.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    assert.equal(simulator.requests.length, 2);
    assert.equal(completion._request_id, simulator.requests[1]!.requestId);
    const span = onlySpan();
    assert.equal(span.attributes['runproof.call.attempts'], 2);
    assert.equal(span.attributes['openai.request.id'], completion._request_id);
    assert.deepEqual(span.status, { code: SpanStatusCode.UNSET });
  });

  test('500 until the retries run out: one span, every attempt counted, the original error reaches the caller', async () => {
    simulator.enqueue({ status: 500, retryAfterMs: 1, times: 3 });
    let caught: unknown;
    await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: MESSAGES })
      .catch((error: unknown) => (caught = error));
    assert.ok(caught instanceof OpenAI.InternalServerError);
    assert.equal(caught.status, 500);
    assert.equal(simulator.requests.length, 3);
    const span = onlySpan();
    assert.equal(span.attributes['runproof.call.attempts'], 3);
    assert.equal(span.attributes['error.type'], 'InternalServerError');
    assert.equal(span.attributes['openai.request.id'], caught.requestID);
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    // The exception event names the SDK's error class too (its errors keep `name` 'Error').
    const exception = span.events.find((event) => event.name === 'exception');
    assert.equal(exception?.attributes?.['exception.type'], 'InternalServerError');
    assert.equal(exception?.attributes?.['exception.message'], caught.message);
  });

  test('connection refused: span ERROR with error.type, the caller gets APIConnectionError', async () => {
    const port = await closedPort();
    const offline = new OpenAI({ apiKey: 'sk-test', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 1 });
    const promise = offline.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }, { maxRetries: 0 });
    await assert.rejects(promise, (error: Error) => error instanceof OpenAI.APIConnectionError);
    const span = onlySpan();
    assert.equal(span.attributes['error.type'], 'APIConnectionError');
    assert.equal(span.attributes['server.port'], port);
    assert.equal(
      span.attributes['runproof.call.attempts'],
      undefined,
      'one attempt: the attribute is only there for retries',
    );
    assert.equal(span.status.code, SpanStatusCode.ERROR);
  });

  test('a stream cut mid-way: span ERROR with the error the caller gets', async () => {
    simulator.enqueue({ reply: LONG_REPLY, cutAfterChunks: 3 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
    let caught: unknown;
    try {
      for await (const chunk of stream) void chunk;
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof Error, 'the caller sees the failure');
    const span = onlySpan();
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.attributes['error.type'], caught.name === 'Error' ? caught.constructor.name : caught.name);
    assert.equal(span.attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
  });

  test('malformed SSE: span ERROR with error.type, the caller gets the SDK error', async () => {
    simulator.enqueue({ malformed: true });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
    await assert.rejects(async () => {
      for await (const chunk of stream) void chunk;
    }, SyntaxError);
    const span = onlySpan();
    assert.equal(span.attributes['error.type'], 'SyntaxError');
    assert.equal(span.status.code, SpanStatusCode.ERROR);
  });

  test('a malformed JSON body: span ERROR, the caller gets the parse error', async () => {
    simulator.enqueue({ malformed: true });
    await assert.rejects(client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }), SyntaxError);
    const span = onlySpan();
    assert.equal(span.attributes['error.type'], 'SyntaxError');
    assert.equal(span.status.code, SpanStatusCode.ERROR);
  });

  test('a malformed JSON body under parse(), the helper that chains on the promise: the span still ends', async () => {
    simulator.enqueue({ malformed: true });
    await assert.rejects(client.chat.completions.parse({ model: 'gpt-4o-mini', messages: MESSAGES }), SyntaxError);
    const span = onlySpan();
    assert.equal(span.attributes['error.type'], 'SyntaxError');
    assert.equal(span.status.code, SpanStatusCode.ERROR);
  });
});

test('50 concurrent calls inside 50 runs: every span in the right trace with the right run id', async () => {
  const runs = await Promise.all(
    Array.from({ length: 50 }, (_, index) =>
      run(`concurrent-${index}`, async (current) => {
        if (index % 2 === 0) {
          await client.chat.completions.create({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: `question ${index}` }],
          });
        } else {
          const stream = await client.chat.completions.create({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: `question ${index}` }],
            stream: true,
          });
          for await (const chunk of stream) void chunk;
        }
        return {
          id: current.id,
          spanId: current.span.spanContext().spanId,
          traceId: current.span.spanContext().traceId,
        };
      }),
    ),
  );
  const calls = harness.spans().filter((span) => span.name === 'chat gpt-4o-mini');
  assert.equal(calls.length, 50);
  for (const expected of runs) {
    const mine = calls.filter((span) => span.attributes['runproof.run.id'] === expected.id);
    assert.equal(mine.length, 1, `run ${expected.id} has one call span`);
    assert.equal(mine[0]!.spanContext().traceId, expected.traceId);
    assert.equal(mine[0]!.parentSpanContext?.spanId, expected.spanId);
  }
  assertNoDoubleEnd();
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
