/**
 * The handler's table of open runs, with the handler passed by hand (no instrumentation): runs that
 * share an id, and tools that outlive the run that started them, still end their spans.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RunnableLambda } from '@langchain/core/runnables';
import { tool } from '@langchain/core/tools';
import { createTestHarness } from '@runproof/core/testing';
import { RunproofCallbackHandler } from '@runproof/langchain-adapter';
import { z } from 'zod';

const harness = createTestHarness();

test('two invocations given the same runId (one config reused) each end their span', async () => {
  await harness.reset();
  const classify = RunnableLambda.from(async (invoice: number) => {
    await sleep(10 * invoice);
    return invoice;
  }).withConfig({ runName: 'classify' });
  const config = { runId: '6f9c2a4e-0b1d-4c3e-8a7f-2d5e1c0b9a84', callbacks: [new RunproofCallbackHandler()] };
  await Promise.all([classify.invoke(1, config), classify.invoke(2, config)]);
  assert.deepEqual(
    harness.spans().map((span) => span.name),
    ['classify', 'classify'],
  );
});

test('a tool that fails after the run that started it has returned still ends its span', async () => {
  await harness.reset();
  const lookup = tool(
    async () => {
      await sleep(20);
      throw new Error('vendor API is down');
    },
    { name: 'lookup_vendor', description: 'Looks up a vendor', schema: z.object({}) },
  );
  const dispatch = RunnableLambda.from((_input: unknown, config) => {
    void lookup.invoke({}, config).catch(() => {});
    return 'dispatched';
  }).withConfig({ runName: 'dispatch' });
  await dispatch.invoke({}, { callbacks: [new RunproofCallbackHandler()] });
  await sleep(100);
  assert.deepEqual(
    harness
      .spans()
      .map((span) => span.name)
      .sort(),
    ['dispatch', 'execute_tool lookup_vendor'],
  );
});
