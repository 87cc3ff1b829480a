/**
 * What the caller abandons (DESIGN principles 1 and 2): a promise never awaited, a stream never
 * read or read in part; and beside them, a stream cancelled through its own controller, calls still
 * open at shutdown. Each call still gets exactly one span, and the app sees what it sees without
 * instrumentation — a failure nobody handles stays unhandled.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@runproof/core/testing';
import { run } from '@runproof/core';
import type { Simulator } from '../simulator/simulator.ts';
import { runApp } from '../support/app.ts';
import { diagnosticMessages, harness, onlySpan, useSimulator, type Client } from './setup.ts';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const MESSAGES = [{ role: 'user' as const, content: 'Tell me about Paris.' }];
const LONG_REPLY = Array.from({ length: 60 }, (_, index) => `word${index}`).join(' ');

let simulator: Simulator;
let client: Client;
useSimulator((fixture) => ({ simulator, client } = fixture));

/** Collects garbage until the call span has ended (finalizers run on a later turn), or fails after 5 s. */
async function callSpanOnceCollected(): Promise<ReadableSpan> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const span = harness.spans().find((candidate) => candidate.name === 'chat gpt-4o-mini');
    if (span !== undefined) return span;
    if (Date.now() > deadline) throw new Error('the call span never ended');
    collectGarbage();
    await setImmediate();
  }
}

/** Lets the client receive the answer, notes the time, then stays idle a while (no garbage collected): returns the time noted. */
async function idleAfterAnswer(): Promise<number> {
  await sleep(50);
  const answered = Date.now();
  await sleep(300);
  return answered;
}

function milliseconds([seconds, nanoseconds]: readonly [number, number]): number {
  return seconds * 1000 + nanoseconds / 1e6;
}

function assertNoDoubleEnd(): void {
  assert.deepEqual(
    diagnosticMessages().filter((message) => message.includes('end')),
    [],
  );
}

test('a promise nobody awaits (fire and forget, inside a run): the span ends once the caller has abandoned it', async () => {
  let runId = '';
  await run('fire-and-forget', async (current) => {
    runId = current.id;
    void client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    await simulator.waitForRequests(1);
  });
  const answered = await idleAfterAnswer();
  const span = await callSpanOnceCollected();
  // It ends where the call did, when the response arrived, not when the promise was collected.
  assert.ok(milliseconds(span.endTime) < answered, 'the span ends at the response');
  // The body was never read: what the response headers said, and nothing from the body.
  assert.equal(span.attributes['runproof.run.id'], runId);
  assert.equal(span.attributes['openai.request.id'], simulator.requests[0]!.requestId);
  assert.equal(
    span.attributes['runproof.call.attempts'],
    undefined,
    'one attempt: the attribute is only there for retries',
  );
  assert.equal(span.attributes['gen_ai.response.model'], undefined);
  assert.deepEqual(span.status, { code: SpanStatusCode.UNSET });
  assertNoDoubleEnd();
});

test('a stream received and never read: the span ends once the caller has abandoned it', async () => {
  await (async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
    assert.equal(typeof stream.controller.abort, 'function');
  })();
  const span = await callSpanOnceCollected();
  assert.equal(span.attributes['gen_ai.response.finish_reasons'], undefined);
  assert.deepEqual(span.status, { code: SpanStatusCode.UNSET });
  assertNoDoubleEnd();
});

test('a stream read in part and then abandoned: the span ends with what was read', async () => {
  simulator.enqueue({ reply: LONG_REPLY, chunkDelayMs: 5 });
  await (async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    for (let read = 0; read < 3; read++) await iterator.next();
  })();
  const lastRead = Date.now();
  await sleep(300);
  const span = await callSpanOnceCollected();
  // (Within the millisecond the span's clock and Date.now() may differ by, far from the 300 ms idle.)
  assert.ok(
    milliseconds(span.endTime) < lastRead + 50,
    `the span ends at the last chunk read, not ${milliseconds(span.endTime) - lastRead} ms after`,
  );
  assert.equal(span.attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
  assert.equal(span.attributes['gen_ai.response.finish_reasons'], undefined);
  assertNoDoubleEnd();
});

test('asResponse() alone: the span lasts as long as the request, even when the wall clock has moved since start-up', async () => {
  const wallClock = Date.now;
  Date.now = () => wallClock() + 5000; // NTP, a resumed VM: the wall clock 5 s ahead of the monotonic one
  try {
    simulator.enqueue({ delayMs: 30 });
    await (await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }).asResponse()).text();
    await sleep(20);
  } finally {
    Date.now = wallClock;
  }
  const lasted = milliseconds(onlySpan().duration);
  assert.ok(lasted >= 25 && lasted < 2000, `lasted ${lasted} ms`);
});

test('stream.controller.abort() before reading: the span ends as cancelled', async () => {
  simulator.enqueue({ reply: LONG_REPLY, chunkDelayMs: 5 });
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
  stream.controller.abort();
  await sleep(20);
  const span = onlySpan();
  assert.equal(span.attributes['error.type'], 'cancelled');
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  // Reading it afterwards gives the caller what the SDK gives, and ends nothing twice.
  for await (const chunk of stream) void chunk;
  assertNoDoubleEnd();
});

test('stream.controller.abort() mid-stream: the span ends as cancelled, with what was seen', async () => {
  simulator.enqueue({ reply: LONG_REPLY, chunkDelayMs: 5 });
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true });
  let seen = 0;
  for await (const chunk of stream) {
    void chunk;
    if (++seen === 3) stream.controller.abort();
  }
  const span = onlySpan();
  assert.equal(span.attributes['error.type'], 'cancelled');
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(span.attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
  assertNoDoubleEnd();
});

// A failure the app never takes is an unhandled rejection for Node, and one it takes late is then
// reported handled: the adapter's own reaction to the request must not change either.
const USES = [
  'never awaited',
  'awaited at once',
  'withResponse()',
  'asResponse()',
  'asResponse(), then awaited',
  'parse() helper',
  'a stream',
  'stream() helper',
  'responses.create()',
  'awaited 1 ms later',
  'caught once reported unhandled',
  'allSettled once both reported unhandled',
];
for (const use of USES) {
  test(`a failing call, ${use}: the app sees the same rejections instrumented as not`, async () => {
    const app = fileURLToPath(new URL('./apps/failing-calls.mjs', import.meta.url));
    const env = { SIMULATOR_URL: simulator.url, OTEL_TRACES_EXPORTER: 'none' };
    simulator.enqueue({ status: 400, times: 2 });
    const bare = await runApp(app, { env, scriptArgs: [use] });
    simulator.enqueue({ status: 400, times: 2 });
    const instrumented = await runApp(app, {
      env: { ...env, OTEL_TRACES_EXPORTER: 'console' },
      args: ['--import', '@runproof/core/register'],
      scriptArgs: [use],
    });
    assert.match(bare.stdout, /^end$/m, bare.stderr);
    const seen = (output: string): string[] =>
      output.split('\n').filter((line) => /^(unhandled|handled later|caught|end)/.test(line));
    assert.deepEqual(seen(instrumented.stdout), seen(bare.stdout));
    // A late handler came after Node's report, as the case means it to.
    if (use.endsWith('reported unhandled')) assert.ok(seen(bare.stdout).includes('handled later'), bare.stdout);
    // The instrumented run traced the call, as failed.
    assert.match(instrumented.stdout, /'error.type': 'BadRequestError'/);
  });
}

test('shutting down mid-stream and mid-request: both spans are exported, with what was seen', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'runproof-shutdown-'));
  const file = join(directory, 'traces.json');
  simulator.enqueue({ reply: LONG_REPLY, hangAfterChunks: 5 }, { match: '/embeddings', hang: true });
  try {
    const app = fileURLToPath(new URL('./apps/shutdown-mid-stream.cjs', import.meta.url));
    const result = await runApp(app, {
      env: { SIMULATOR_URL: simulator.url, OTEL_TRACES_EXPORTER: 'file', RUNPROOF_TRACES_FILE: file },
    });
    assert.equal(result.code, 0, result.stderr);
    const exported = JSON.parse(await readFile(file, 'utf8')) as {
      resourceSpans: {
        scopeSpans: { spans: { name: string; attributes: { key: string; value: Record<string, unknown> }[] }[] }[];
      }[];
    };
    const spans = exported.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans));
    const attribute = (name: string, key: string) =>
      spans.find((span) => span.name === name)?.attributes.find((entry) => entry.key === key)?.value;
    assert.deepEqual(spans.map((span) => span.name).sort(), ['chat gpt-4o-mini', 'embeddings text-embedding-3-small']);
    // The stream's span has what the three chunks read said, and no end of its own.
    assert.deepEqual(attribute('chat gpt-4o-mini', 'gen_ai.response.model'), { stringValue: 'gpt-4o-mini-2024-07-18' });
    assert.equal(attribute('chat gpt-4o-mini', 'gen_ai.response.finish_reasons'), undefined);
    assert.deepEqual(attribute('embeddings text-embedding-3-small', 'gen_ai.request.model'), {
      stringValue: 'text-embedding-3-small',
    });
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
