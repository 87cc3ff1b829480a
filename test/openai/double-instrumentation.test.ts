/**
 * With `@opentelemetry/instrumentation-openai` (or another shimmer-based instrumentation) also
 * wrapping `create`, each call still has one span: Runproof's. The other wrapper is simulated here
 * the way shimmer installs one: `__wrapped`, `__original`, `__unwrap` on the wrapper.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { trace } from '@opentelemetry/api';
import { BoundaryViolationError, run } from '@runproof/core';
import { instrumentOpenAI } from '@runproof/openai-adapter';
import type { Simulator } from '../simulator/simulator.ts';
import { diagnosticMessages, harness, OpenAIv6, startFastSimulator } from './setup.ts';

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** Wraps `target[name]` as shimmer does, with a wrapper that records its own span. */
function wrapLikeShimmer(target: Record<string, unknown>, name: string): void {
  const original = target[name] as Method;
  const wrapped = function otherInstrumentation(this: unknown, ...args: unknown[]): unknown {
    const span = trace.getTracer('@opentelemetry/instrumentation-openai').startSpan('other chat');
    try {
      return original.apply(this, args);
    } finally {
      span.end();
    }
  };
  for (const [key, value] of Object.entries({
    __original: original,
    __unwrap: () => (target[name] = original),
    __wrapped: true,
  })) {
    Object.defineProperty(wrapped, key, { value, configurable: true, writable: true, enumerable: false });
  }
  Object.defineProperty(target, name, { value: wrapped, configurable: true, writable: true, enumerable: false });
}

let simulator: Simulator;
before(async () => {
  simulator = await startFastSimulator();
});
after(() => simulator.close());
beforeEach(() => harness.reset());

test("another instrumentation already wrapping create: one span per call, Runproof's, and one warning", async () => {
  const client = new OpenAIv6({ apiKey: 'sk-test', baseURL: simulator.url, maxRetries: 0 });
  const prototype = Object.getPrototypeOf(client.chat.completions) as Record<string, unknown>;
  wrapLikeShimmer(prototype, 'create');
  instrumentOpenAI(client);
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
  assert.deepEqual(
    harness.spans().map((span) => span.name),
    ['chat gpt-4o-mini', 'chat gpt-4o-mini'],
  );
  const warnings = diagnosticMessages().filter((message) => message.includes('another instrumentation'));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /OTEL_NODE_DISABLED_INSTRUMENTATIONS=openai/);
});

test('another instrumentation wrapping create after Runproof: Runproof takes the method back, one span per call', async () => {
  const client = instrumentOpenAI(new OpenAIv6({ apiKey: 'sk-test', baseURL: simulator.url, maxRetries: 0 }));
  const prototype = Object.getPrototypeOf(client.responses) as Record<string, unknown>;
  wrapLikeShimmer(prototype, 'create');
  await client.responses.create({ model: 'gpt-4o-mini', input: 'Hi' });
  await client.responses.create({ model: 'gpt-4o-mini', input: 'Hi' });
  // The first call went through the other wrapper, which already had its span; from then on Runproof's wrapper is on top.
  assert.deepEqual(
    harness.spans().map((span) => span.name),
    ['other chat', 'chat gpt-4o-mini'],
  );
});

test('a call that arrives through the other wrapper is still guarded and counted, without a second span', async () => {
  const client = instrumentOpenAI(new OpenAIv6({ apiKey: 'sk-test', baseURL: simulator.url, maxRetries: 0 }));
  const prototype = Object.getPrototypeOf(client.embeddings) as Record<string, unknown>;
  const embed = (model: string) => client.embeddings.create({ model, input: 'invoice INV-2291' });
  const requestsBefore = simulator.requests.length;

  // A model the policy does not allow: refused before the request, although the call came through the other wrapper.
  wrapLikeShimmer(prototype, 'create');
  const halted = run(
    { name: 'halted', boundary: { name: 'small-only', allowedModels: ['text-embedding-3-small'] } },
    () => embed('text-embedding-3-large'),
  );
  await assert.rejects(halted, BoundaryViolationError);
  assert.equal(simulator.requests.length, requestsBefore);

  // The call through the other wrapper counts against the budget: the next one is over it.
  wrapLikeShimmer(prototype, 'create');
  const counted = run({ name: 'counted', boundary: { name: 'one-call', maxModelCalls: 1 } }, async () => {
    await embed('text-embedding-3-small');
    await embed('text-embedding-3-small');
  });
  await assert.rejects(counted, BoundaryViolationError);
  assert.equal(simulator.requests.length, requestsBefore + 1);

  const calls = harness.spans().filter((span) => !span.name.startsWith('invoke_workflow'));
  assert.deepEqual(
    calls.map((span) => span.name),
    ['other chat', 'other chat', 'embeddings text-embedding-3-small'],
  );
  assert.equal(calls[2]!.attributes['runproof.boundary.decision'], 'halt');
  assert.equal(calls[2]!.attributes['runproof.boundary.rule'], 'max_model_calls');
});
