/**
 * The instrumentation's own `captureContent` option against the global setting: `false` on the
 * OpenAI instrumentation keeps every text of its calls out, while the app captures content
 * globally (for its LangChain spans, say). A harness of its own, built with that option.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { createTestHarness } from '@runproof/core/testing';
import { createInstrumentation } from '@runproof/openai-adapter';
import type OpenAIType from 'openai';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';

const harness = createTestHarness({ instrumentations: [createInstrumentation({ captureContent: false })] });
const OpenAI = (createRequire(import.meta.url)('openai') as { default: typeof OpenAIType }).default;

const SECRET_USER = 'secret-question-2c7e';
const SECRET_ARGUMENT = 'secret-argument-90ad';

let simulator: Simulator;
before(async () => {
  simulator = await startSimulator({ chunkDelayMs: 0 });
});
after(() => simulator.close());

test('captureContent: false on the instrumentation wins over content captured globally: no message, no validation message', async () => {
  harness.configure({ captureContent: true });
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: simulator.url, maxRetries: 0, logLevel: 'off' });
  // Arguments that are not JSON: the issue message quotes them.
  simulator.enqueue({ toolCalls: [{ name: 'lookup', arguments: `${SECRET_ARGUMENT} is not JSON` }] });
  await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: SECRET_USER }],
    tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
  });
  const [span] = harness.spans();
  assert.equal(span!.attributes['runproof.validation.outcome'], 'fail');
  const failure = span!.events.find((event) => event.name === 'runproof.validation.failure');
  assert.deepEqual(failure?.attributes, {
    'runproof.validation.issue.codes': ['invalid_json'],
    'runproof.validation.issue.paths': ['tool_calls[0]'],
  });
  const telemetry = JSON.stringify(
    harness
      .spans()
      .map((exported) => ({ attributes: exported.attributes, events: exported.events, status: exported.status })),
  );
  for (const secret of [SECRET_USER, SECRET_ARGUMENT])
    assert.ok(!telemetry.includes(secret), `${secret} is not in the telemetry`);
});
