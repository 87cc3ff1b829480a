/**
 * `manuallyInstrument()` called class by class, in any order: a model class that streamed before
 * its own patch came still gets the model's stream wrapper, so abandoning its stream ends the model
 * span.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CallbackManager } from '@langchain/core/callbacks/manager';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { Runnable } from '@langchain/core/runnables';
import { ChatOpenAI } from '@langchain/openai';
import { createTestHarness } from '@runproof/core/testing';
import { createInstrumentation } from '@runproof/langchain-adapter';
import type { Simulator } from '../simulator/simulator.ts';
import { useSimulator } from './harness.ts';

const instrumentation = createInstrumentation();
const harness = createTestHarness({ instrumentations: [instrumentation] });
instrumentation.manuallyInstrument({ CallbackManager, Runnable });
let sim: Simulator;
useSimulator(harness, (started) => (sim = started));

test('a model streamed before BaseChatModel was patched: after the patch, abandoning its stream ends the model span', async () => {
  const model = () =>
    new ChatOpenAI({ model: 'gpt-4o-mini', configuration: { baseURL: sim.url }, apiKey: 'test', maxRetries: 0 });
  sim.enqueue({ reply: 'Paris.' });
  for await (const _chunk of await model().stream('Capital of France?'));
  await harness.reset();

  instrumentation.manuallyInstrument({ BaseChatModel });
  sim.enqueue({ reply: Array.from({ length: 60 }, (_, index) => `word${index}`).join(' '), chunkDelayMs: 2 });
  let chunks = 0;
  for await (const _chunk of await model().stream('Tell me a long story.')) if (++chunks === 3) break;
  assert.deepEqual(
    harness.spans().map((span) => span.name),
    ['chat gpt-4o-mini'],
  );
});
