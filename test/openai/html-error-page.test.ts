/**
 * A 200 response that is not what the endpoint speaks — a gateway's HTML error page — is a failed
 * call, not a successful one: the span ends with `error.type=invalid_response` and a status naming
 * what came back, while the caller receives exactly what the SDK gives it without Runproof (the
 * page as a string, or a stream with no chunks).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpanStatusCode } from '@opentelemetry/api';
import { HTML_ERROR_PAGE } from '../simulator/exchange.ts';
import type { Simulator } from '../simulator/simulator.ts';
import { harness, onlySpan, useSimulator, type Client } from './setup.ts';

const BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Tell me about Paris.' }] };
const NOT_JSON = 'expected a JSON body, received text/html; charset=utf-8';
const NOT_EVENTS = 'expected an event stream, received text/html; charset=utf-8';

let simulator: Simulator;
let client: Client;
useSimulator((fixture) => ({ simulator, client } = fixture), { maxRetries: 0 });

/** The failure part of a span: status, error type, and that it has no exception event (nothing was thrown). */
function failureOf(span: ReturnType<typeof onlySpan>) {
  return {
    status: span.status,
    errorType: span.attributes['error.type'],
    events: span.events.map((event) => event.name),
  };
}

test('chat.completions.create() answered by an HTML page: the caller gets the page as the SDK returns it, the span ends as invalid_response', async () => {
  simulator.enqueue({ htmlErrorPage: true, times: 2 });
  // What the SDK returns when no instrumentation sees the request (`post()` is not patched).
  const uninstrumented = await client.post('/chat/completions', { body: BODY });
  const received = (await client.chat.completions.create(BODY)) as unknown;
  assert.equal(uninstrumented, HTML_ERROR_PAGE);
  assert.equal(received, uninstrumented);

  const span = onlySpan();
  assert.deepEqual(failureOf(span), {
    status: { code: SpanStatusCode.ERROR, message: NOT_JSON },
    errorType: 'invalid_response',
    events: [],
  });
  assert.equal(span.attributes['openai.request.id'], simulator.requests[1]!.requestId);
  assert.equal(span.attributes['gen_ai.response.id'], undefined);
});

test('withResponse() of an HTML page: the same data and response, the span ends as invalid_response', async () => {
  simulator.enqueue({ htmlErrorPage: true });
  const { data, response } = await client.chat.completions.create(BODY).withResponse();
  assert.equal(data, HTML_ERROR_PAGE);
  assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.deepEqual(failureOf(onlySpan()), {
    status: { code: SpanStatusCode.ERROR, message: NOT_JSON },
    errorType: 'invalid_response',
    events: [],
  });
});

test('embeddings and responses answered by an HTML page end as invalid_response too, whatever the SDK makes of the page', async () => {
  simulator.enqueue({ htmlErrorPage: true, times: 2 });
  assert.equal(await client.embeddings.create({ model: 'text-embedding-3-small', input: 'Paris' }), HTML_ERROR_PAGE);
  // The SDK's own post-processing of a Responses result fails on a string: the caller gets that TypeError, as without Runproof.
  await assert.rejects(client.responses.create({ model: 'gpt-4o-mini', input: 'Tell me about Paris.' }), TypeError);
  const spans = harness.spans();
  assert.deepEqual(
    spans.map((span) => span.name),
    ['embeddings text-embedding-3-small', 'chat gpt-4o-mini'],
  );
  for (const span of spans)
    assert.deepEqual(
      failureOf(span),
      { status: { code: SpanStatusCode.ERROR, message: NOT_JSON }, errorType: 'invalid_response', events: [] },
      span.name,
    );
});

test('a stream answered by an HTML page: the caller reads no chunk, as without Runproof, and the span ends as invalid_response', async () => {
  simulator.enqueue({ htmlErrorPage: true });
  const chunks: unknown[] = [];
  for await (const chunk of await client.chat.completions.create({ ...BODY, stream: true })) chunks.push(chunk);
  assert.deepEqual(chunks, []);
  assert.deepEqual(failureOf(onlySpan()), {
    status: { code: SpanStatusCode.ERROR, message: NOT_EVENTS },
    errorType: 'invalid_response',
    events: [],
  });
});
