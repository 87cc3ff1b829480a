/**
 * Drift for LangChain-only apps (the OpenAI adapter off): a silent upstream model change for the
 * same declared call conditions is a drift event on the LangChain model span that saw it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import type { Simulator } from '../simulator/simulator.ts';
import { createLangChainHarness, useSimulator } from './harness.ts';

const harness = createLangChainHarness();
let sim: Simulator;
useSimulator(harness, (started) => (sim = started));

const classify = () =>
  new ChatOpenAI({
    model: 'gpt-4o-mini',
    temperature: 0,
    configuration: { baseURL: sim.url },
    apiKey: 'test',
    maxRetries: 0,
  }).invoke([new SystemMessage('Classify the invoice.'), new HumanMessage('ACME, printer paper')]);

test('a silent upstream model change for the same call conditions is a drift event on the LangChain model span that saw it', async () => {
  await classify();
  await classify();
  sim.setResolvedModel((requested) => `${requested}-2025-07-18`);
  sim.setSystemFingerprint('fp_4fe6d1250b');
  await classify();
  await classify();

  const chats = harness.spans().filter((span) => span.name === 'chat gpt-4o-mini');
  assert.equal(chats.length, 4);
  assert.equal(new Set(chats.map((span) => span.attributes['runproof.call.fingerprint'])).size, 1);
  assert.deepEqual(
    chats.map((span) => span.attributes['runproof.drift.detected']),
    [undefined, undefined, true, undefined],
  );
  assert.deepEqual(
    chats[2]!.events
      .filter((event) => event.name === 'runproof.drift')
      .map((event) => [
        event.attributes?.['runproof.drift.kind'],
        event.attributes?.['runproof.drift.baseline'],
        event.attributes?.['runproof.drift.observed'],
      ]),
    [
      ['resolved_model', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini-2025-07-18'],
      ['system_fingerprint', chats[0]!.attributes['openai.response.system_fingerprint'], 'fp_4fe6d1250b'],
    ],
  );
});
