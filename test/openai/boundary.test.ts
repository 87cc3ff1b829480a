import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundaryViolationError, run } from '@runproof/core';
import type { Simulator } from '../simulator/simulator.ts';
import { harness, useSimulator, type Client } from './setup.ts';

let simulator: Simulator;
let client: Client;
useSimulator((fixture) => ({ simulator, client } = fixture), { maxRetries: 0 });

const policy = { name: 'mini-only', allowedModels: ['gpt-4o-mini'] };

test('a halted create() does not throw synchronously: the caller gets a rejection, as for any SDK failure', async () => {
  await run({ name: 'halted', boundary: policy }, async () => {
    let returned: unknown;
    assert.doesNotThrow(() => {
      returned = client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hi' }] });
    });
    await assert.rejects(returned as Promise<unknown>, BoundaryViolationError);
    const chained = client.chat.completions
      .create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    await assert.rejects(chained, BoundaryViolationError);
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hi' }] }).asResponse(),
      BoundaryViolationError,
    );
  }).catch(() => undefined);
  assert.equal(simulator.requests.length, 0);
  assert.equal(harness.spans().filter((span) => span.name === 'chat gpt-4.1').length, 3, 'each halted call is a span');
});

test('an allowed call in a guarded run carries the decision and is settled with its usage', async () => {
  simulator.enqueue({ reply: 'Hello.', usage: { inputTokens: 9, outputTokens: 3 } });
  await run({ name: 'allowed', boundary: { ...policy, maxTotalTokens: 100 } }, () =>
    client.chat.completions.create({
      model: 'gpt-4o-mini',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'Hi' }],
    }),
  );
  const chat = harness.span('chat gpt-4o-mini');
  assert.equal(chat.attributes['runproof.boundary.decision'], 'allow');
  assert.equal(chat.attributes['runproof.boundary.policy'], 'mini-only');
  assert.equal(chat.attributes['runproof.boundary.rule'], undefined);
});

test('a halted parse() rejects with the BoundaryViolationError, as create() does', async () => {
  await run({ name: 'halted-parse', boundary: policy }, async () => {
    const responseFormat = {
      type: 'json_schema' as const,
      json_schema: {
        name: 'answer',
        strict: true,
        schema: {
          type: 'object',
          properties: { city: { type: 'string' } },
          required: ['city'],
          additionalProperties: false,
        },
      },
    };
    await assert.rejects(
      client.chat.completions.parse({
        model: 'gpt-4.1',
        messages: [{ role: 'user', content: 'Hi' }],
        response_format: responseFormat,
      }),
      BoundaryViolationError,
    );
    await assert.rejects(client.responses.parse({ model: 'gpt-4.1', input: 'Hi' }), BoundaryViolationError);
  }).catch(() => undefined);
  assert.equal(simulator.requests.length, 0);
});
