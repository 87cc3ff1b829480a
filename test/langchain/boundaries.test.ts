import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpanStatusCode } from '@opentelemetry/api';
import { ChatOpenAI } from '@langchain/openai';
import { createAgent, tool } from 'langchain';
import { z } from 'zod';
import { BoundaryViolationError, run, type BoundaryPolicy } from '@runproof/core';
import type { Simulator } from '../simulator/simulator.ts';
import { createLangChainHarness, useSimulator } from './harness.ts';

const harness = createLangChainHarness();
let sim: Simulator;
useSimulator(harness, (started) => (sim = started));

const executed: string[] = [];
function createAgentWithTools() {
  const model = new ChatOpenAI({
    model: 'gpt-4o-mini',
    temperature: 0,
    configuration: { baseURL: sim.url },
    apiKey: 'test',
    maxRetries: 0,
  });
  const lookup = tool(async ({ vendor }) => (executed.push(`lookup ${vendor}`), 'approved supplier'), {
    name: 'lookup_vendor',
    description: 'Vendor registry',
    schema: z.object({ vendor: z.string() }),
  });
  const pay = tool(async ({ amount }) => (executed.push(`pay ${amount}`), 'paid'), {
    name: 'pay_invoice',
    description: 'Pays an invoice',
    schema: z.object({ amount: z.number() }),
  });
  return createAgent({ model, tools: [lookup, pay], name: 'payables_agent' });
}
const question = { messages: [{ role: 'user', content: 'Check ACME and pay invoice INV-2291.' }] };

test('a LangChain tool the policy does not allow is halted before it runs, and the run ends halted', async () => {
  executed.length = 0;
  sim.enqueue(
    { toolCalls: [{ name: 'lookup_vendor', arguments: { vendor: 'ACME' } }] },
    { toolCalls: [{ name: 'pay_invoice', arguments: { amount: 1280.5 } }] },
    { reply: 'Done.' },
  );
  const boundary: BoundaryPolicy = { name: 'payables-read-only', allowedTools: ['lookup_*'] };
  const agent = createAgentWithTools();
  await assert.rejects(
    run({ name: 'payables', boundary }, () => agent.invoke(question)),
    (error) =>
      error instanceof BoundaryViolationError && error.rule === 'allowed_tools' && error.observed === 'pay_invoice',
  );
  assert.deepEqual(executed, ['lookup ACME'], 'pay_invoice never ran');

  const allowed = harness.span('execute_tool lookup_vendor');
  assert.equal(allowed.attributes['runproof.boundary.decision'], 'allow');
  const halted = harness.span('execute_tool pay_invoice');
  assert.equal(halted.attributes['runproof.boundary.decision'], 'halt');
  assert.equal(halted.attributes['runproof.boundary.rule'], 'allowed_tools');
  assert.equal(halted.attributes['runproof.boundary.policy'], 'payables-read-only');
  assert.equal(halted.attributes['error.type'], 'RUNPROOF_BOUNDARY_HALT');
  assert.equal(halted.status.code, SpanStatusCode.ERROR);
  const violation = halted.events.find((event) => event.name === 'runproof.boundary.violation');
  assert.equal(violation?.attributes?.['runproof.boundary.observed'], 'pay_invoice');
  assert.equal(harness.span('invoke_workflow payables').attributes['runproof.run.outcome'], 'halted');
  // The model was asked twice (the third answer was never requested): nothing ran after the halt.
  assert.equal(sim.requests.length, 2);
});

test('a tool-call budget escalates the call over the limit and the agent goes on', async () => {
  executed.length = 0;
  const escalations: string[] = [];
  sim.enqueue(
    { toolCalls: [{ name: 'lookup_vendor', arguments: { vendor: 'ACME' } }] },
    { toolCalls: [{ name: 'lookup_vendor', arguments: { vendor: 'Globex' } }] },
    { toolCalls: [{ name: 'lookup_vendor', arguments: { vendor: 'Initech' } }] },
    { reply: 'All three are approved.' },
  );
  const boundary: BoundaryPolicy = {
    name: 'two-lookups',
    maxToolCalls: 2,
    decisions: { maxToolCalls: 'escalate' },
    onEscalate: (violation) => void escalations.push(`${violation.rule} ${violation.observed}/${violation.limit}`),
  };
  const result = await run({ name: 'payables', boundary }, () => createAgentWithTools().invoke(question));
  assert.equal(result.messages.at(-1)?.content, 'All three are approved.');
  assert.deepEqual(executed, ['lookup ACME', 'lookup Globex', 'lookup Initech']);
  assert.deepEqual(escalations, ['max_tool_calls 3/2']);
  const decisions = harness
    .spans()
    .filter((span) => span.name === 'execute_tool lookup_vendor')
    .map((span) => span.attributes['runproof.boundary.decision']);
  assert.deepEqual(decisions, ['allow', 'allow', 'escalate']);
  assert.equal(harness.span('invoke_workflow payables').attributes['runproof.run.outcome'], 'escalated');
});
