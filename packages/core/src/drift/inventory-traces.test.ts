import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatInventory } from './inventory-format.ts';
import { inventoryOfSpans, type InventorySpan } from './inventory-traces.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-01T08:00:00Z');

function span(
  id: string,
  parent: string | null,
  name: string,
  at: number,
  attributes: Record<string, unknown>,
): InventorySpan {
  return {
    traceId: 'a'.repeat(32),
    spanId: id.padStart(16, '0'),
    parentSpanId: parent === null ? null : parent.padStart(16, '0'),
    name,
    attributes: { 'runproof.run.id': 'run-1', ...attributes },
    events: [],
    service: 'invoice-service',
    startMicros: at * 1000,
  };
}

test('--since: a call in the window belongs to its workflow and step even when they started before it', () => {
  // A long run: it and its step started at 08:00, the call at 10:00; the window starts at 09:00.
  const spans = [
    span('1', null, 'invoke_workflow invoice-triage', T0, {
      'gen_ai.operation.name': 'invoke_workflow',
      'runproof.run.name': 'invoice-triage',
    }),
    span('2', '1', 'step classify', T0, { 'runproof.step.name': 'classify' }),
    span('3', '2', 'chat gpt-4o-mini', T0 + 2 * HOUR, {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2025-07-18',
    }),
  ];
  const inventory = inventoryOfSpans(spans, T0 + HOUR);
  assert.deepEqual(
    inventory.workflows.map((workflow) => [
      workflow.workflow,
      workflow.runs,
      workflow.steps.map((step) => [
        step.step,
        step.calls.map((call) => call.resolvedModels.map((value) => value.value)),
      ]),
    ]),
    [['invoice-triage', 0, [['classify', [['gpt-4o-mini-2025-07-18']]]]]],
  );
});

test('a call with an output shape of its own each time (outputs keyed by ids): 100 000 of them are listed in seconds', () => {
  const calls = 100_000;
  const spans = [
    span('1', null, 'invoke_workflow invoice-triage', T0, {
      'gen_ai.operation.name': 'invoke_workflow',
      'runproof.run.name': 'invoice-triage',
    }),
  ];
  for (let index = 0; index < calls; index++)
    spans.push(
      span((index + 2).toString(16), '1', 'chat gpt-4o-mini', T0 + index, {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o-mini',
        'runproof.output.shape': index.toString(16).padStart(16, '0'),
      }),
    );
  const started = performance.now();
  const inventory = inventoryOfSpans(spans, null);
  const text = formatInventory(inventory, 'traces.json');
  const elapsed = performance.now() - started;
  const [call] = inventory.workflows[0]!.steps[0]!.calls;
  assert.equal(call!.outputShapes.length, calls);
  assert.equal(text.split('\n').filter((line) => line.includes(' 1 call')).length, calls);
  // Was quadratic (each sighting searched the list): 100 s for these.
  assert.ok(elapsed < 10_000, `${elapsed.toFixed(0)} ms`);
});
