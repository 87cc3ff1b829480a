import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import {
  BoundaryViolationError,
  run,
  step,
  type BoundaryPolicy,
  type BoundaryViolation,
  type Run,
} from '@runproof/core';
import { guardModelCall, guardToolCall } from '@runproof/core/adapter';
import { createTestHarness } from '@runproof/core/testing';

const harness = createTestHarness();
beforeEach(() => harness.reset());
const tracer = trace.getTracer('adapter-under-test');

/** What an adapter does around a model call: a span, the guard, the call, settle. */
async function modelCall(
  model: string,
  maxOutputTokens: number | undefined,
  usage: { inputTokens: number; outputTokens: number },
): Promise<'sent' | 'refused'> {
  const span = tracer.startSpan(`chat ${model}`);
  try {
    const ticket = guardModelCall({ model, maxOutputTokens }, span);
    ticket.settle({ ...usage, model });
    return 'sent';
  } catch (error) {
    if (!BoundaryViolationError.isInstance(error)) throw error;
    return 'refused';
  } finally {
    span.end();
  }
}

test('outside a run, or in a run without a policy, a guard allows at once and records nothing', async () => {
  const span = tracer.startSpan('chat gpt-4o-mini');
  assert.equal(guardModelCall({ model: 'gpt-4o-mini', maxOutputTokens: 10 }, span).decision, 'allow');
  await run('no-policy', () => assert.equal(guardToolCall({ tool: 'anything' }, span).decision, 'allow'));
  span.end();
  assert.deepEqual(harness.span('chat gpt-4o-mini').attributes, {});
  assert.equal(
    (await harness.metrics()).some((metric) => metric.descriptor.name === 'runproof.boundary.decisions'),
    false,
  );
});

test('an allowed call gets decision allow and the policy name, and is counted', async () => {
  await run({ name: 'triage', boundary: { name: 'triage-policy', allowedModels: ['gpt-4o-mini*'] } }, () =>
    modelCall('gpt-4o-mini', 100, { inputTokens: 10, outputTokens: 5 }),
  );
  const span = harness.span('chat gpt-4o-mini');
  assert.deepEqual(span.attributes, {
    'runproof.run.id': span.attributes['runproof.run.id'],
    'runproof.boundary.policy': 'triage-policy',
    'runproof.boundary.decision': 'allow',
  });
  assert.deepEqual(span.events, []);
  const decisions = (await harness.metrics()).find(
    (metric) => metric.descriptor.name === 'runproof.boundary.decisions',
  );
  assert.deepEqual(
    decisions?.dataPoints.map((point) => [point.attributes, point.value]),
    [[{ 'runproof.boundary.policy': 'triage-policy', 'runproof.boundary.decision': 'allow' }, 2]],
  );
});

test('a disallowed model halts before the call: status ERROR, error.type, the violation event, outcome halted', async () => {
  let thrown: unknown;
  await assert.rejects(
    run({ name: 'triage', boundary: { allowedModels: ['gpt-4o-mini'] } }, async () => {
      const span = tracer.startSpan('chat gpt-4o');
      try {
        guardModelCall({ model: 'gpt-4o', maxOutputTokens: 50 }, span);
      } catch (error) {
        thrown = error;
        throw error;
      } finally {
        span.end();
      }
    }),
    BoundaryViolationError,
  );
  const error = thrown as BoundaryViolationError;
  const runSpan = harness.span('invoke_workflow triage');
  assert.deepEqual(
    {
      code: error.code,
      policy: error.policy,
      rule: error.rule,
      limit: error.limit,
      observed: error.observed,
      runId: error.runId,
    },
    {
      code: 'RUNPROOF_BOUNDARY_HALT',
      policy: 'triage',
      rule: 'allowed_models',
      limit: 'gpt-4o-mini',
      observed: 'gpt-4o',
      runId: runSpan.attributes['runproof.run.id'],
    },
  );
  const span = harness.span('chat gpt-4o');
  assert.deepEqual(span.attributes, {
    'runproof.run.id': runSpan.attributes['runproof.run.id'],
    'runproof.boundary.policy': 'triage',
    'runproof.boundary.decision': 'halt',
    'runproof.boundary.rule': 'allowed_models',
    'error.type': 'RUNPROOF_BOUNDARY_HALT',
  });
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.deepEqual(
    span.events.map((event) => [event.name, event.attributes]),
    [
      [
        'runproof.boundary.violation',
        {
          'runproof.boundary.rule': 'allowed_models',
          'runproof.boundary.limit': 'gpt-4o-mini',
          'runproof.boundary.observed': 'gpt-4o',
          'runproof.boundary.decision': 'halt',
        },
      ],
    ],
  );
  assert.equal(runSpan.attributes['runproof.run.outcome'], 'halted');
  assert.equal(runSpan.attributes['error.type'], 'RUNPROOF_BOUNDARY_HALT');
});

test('escalate calls onEscalate with the violation and the run, records an escalation event and goes on', async () => {
  const escalations: [BoundaryViolation, Run][] = [];
  const policy: BoundaryPolicy = {
    maxToolCalls: 1,
    decisions: { maxToolCalls: 'escalate' },
    escalationTarget: 'finance-ops',
    onEscalate: (violation, current) => void escalations.push([violation, current]),
  };
  const decisions = await run({ name: 'escalating', boundary: policy }, () => [
    guardToolCall({ tool: 'a' }).decision,
    guardToolCall({ tool: 'b' }).decision,
  ]);
  assert.deepEqual(decisions, ['allow', 'escalate']);
  const runSpan = harness.span('invoke_workflow escalating');
  assert.equal(escalations.length, 1);
  assert.deepEqual(escalations[0]![0], {
    policy: 'escalating',
    rule: 'max_tool_calls',
    decision: 'escalate',
    limit: 1,
    observed: 2,
    runId: runSpan.attributes['runproof.run.id'],
    message: 'Boundary "escalating" (max_tool_calls, escalate): tool call 2 is over the limit of 1 tool calls',
  });
  assert.equal(escalations[0]![1].id, runSpan.attributes['runproof.run.id']);
  assert.equal(runSpan.attributes['runproof.run.outcome'], 'escalated');
  const escalation = runSpan.events.find((event) => event.name === 'runproof.escalation');
  assert.deepEqual(escalation?.attributes, {
    'runproof.escalation.reason': escalations[0]![0].message,
    'runproof.escalation.target': 'finance-ops',
  });
});

test('a throwing or rejecting onEscalate hook never reaches the caller', async () => {
  for (const onEscalate of [
    () => {
      throw new Error('pager down');
    },
    () => Promise.reject(new Error('pager down')),
  ]) {
    const decision = await run(
      { name: 'hooks', boundary: { maxModelCalls: 1, decisions: { maxModelCalls: 'escalate' }, onEscalate } },
      () => {
        guardModelCall({ model: 'm' }).settle();
        return guardModelCall({ model: 'm' }).decision;
      },
    );
    assert.equal(decision, 'escalate');
  }
});

test('record only records: the decision, rule and event, outcome unchanged', async () => {
  await run({ name: 'recording', boundary: { maxModelCalls: 1, decisions: { maxModelCalls: 'record' } } }, async () => {
    await modelCall('m1', undefined, { inputTokens: 1, outputTokens: 1 });
    await modelCall('m2', undefined, { inputTokens: 1, outputTokens: 1 });
  });
  const second = harness.span('chat m2');
  assert.equal(second.attributes['runproof.boundary.decision'], 'record');
  assert.equal(second.attributes['runproof.boundary.rule'], 'max_model_calls');
  assert.equal(second.status.code, SpanStatusCode.UNSET);
  assert.equal(harness.span('invoke_workflow recording').attributes['runproof.run.outcome'], 'completed');
});

test('a token budget reserves the ceiling: a call whose max_tokens could exceed it is refused before it is made', async () => {
  const results = await run({ name: 'tokens', boundary: { maxTotalTokens: 1000 } }, async () => [
    await modelCall('first', 500, { inputTokens: 200, outputTokens: 100 }),
    await modelCall('second', 800, { inputTokens: 0, outputTokens: 0 }),
    await modelCall('third', 600, { inputTokens: 100, outputTokens: 100 }),
  ]);
  assert.deepEqual(results, ['sent', 'refused', 'refused']);
  assert.deepEqual(harness.span('chat second').events[0]?.attributes, {
    'runproof.boundary.rule': 'max_total_tokens',
    'runproof.boundary.limit': 1000,
    'runproof.boundary.observed': 1100,
    'runproof.boundary.decision': 'halt',
  });
  // Once halted, the run refuses everything else with the same violation.
  assert.equal(harness.span('chat third').attributes['runproof.boundary.rule'], 'max_total_tokens');
});

test('usage past the budget with no ceiling is recorded after the call and stops the next one', async () => {
  const results = await run({ name: 'overrun', boundary: { maxTotalTokens: 100 } }, async () => [
    await modelCall('unbounded', undefined, { inputTokens: 90, outputTokens: 40 }),
    await modelCall('next', undefined, { inputTokens: 1, outputTokens: 1 }),
  ]);
  assert.deepEqual(results, ['sent', 'refused']);
  const first = harness.span('chat unbounded');
  assert.equal(first.status.code, SpanStatusCode.UNSET);
  assert.deepEqual(first.events[0]?.attributes, {
    'runproof.boundary.rule': 'max_total_tokens',
    'runproof.boundary.limit': 100,
    'runproof.boundary.observed': 130,
    'runproof.boundary.decision': 'halt',
  });
  assert.equal(harness.span('invoke_workflow overrun').attributes['runproof.run.outcome'], 'halted');
});

test('a cost budget prices calls by the most specific model pattern', async () => {
  const boundary: BoundaryPolicy = {
    maxCostUsd: 0.001,
    prices: { '*': { input: 100, output: 100 }, 'gpt-4o-mini*': { input: 0.15, output: 0.6 } },
  };
  const results = await run({ name: 'cost', boundary }, async () => [
    await modelCall('gpt-4o-mini', 1000, { inputTokens: 1000, outputTokens: 1000 }), // at most $0.0006
    await modelCall('gpt-4o', 10, { inputTokens: 0, outputTokens: 0 }), // at most $0.001, with $0.00075 spent
  ]);
  assert.deepEqual(results, ['sent', 'refused']);
  assert.deepEqual(harness.span('chat gpt-4o').events[0]?.attributes, {
    'runproof.boundary.rule': 'max_cost_usd',
    'runproof.boundary.limit': 0.001,
    'runproof.boundary.observed': 0.00175,
    'runproof.boundary.decision': 'halt',
  });
});

test('per-tool limits count each tool on its own; a glob limits every matching tool', async () => {
  const decisions = await run(
    {
      name: 'per-tool',
      boundary: { maxToolCallsPerTool: { '*': 2, lookup_vendor: 1 }, decisions: { maxToolCallsPerTool: 'record' } },
    },
    () =>
      ['lookup_vendor', 'lookup_vendor', 'fetch', 'fetch', 'fetch'].map(
        (name) => guardToolCall({ tool: name }).decision,
      ),
  );
  assert.deepEqual(decisions, ['allow', 'record', 'allow', 'allow', 'record']);
});

test('past the run deadline no step or call starts, and completed steps stay recorded', async () => {
  let ranLate = false;
  await assert.rejects(
    run({ name: 'deadline', boundary: { maxDurationMs: 20 } }, async () => {
      await step('early', () => 'done');
      await new Promise((resolve) => setTimeout(resolve, 40));
      await step('late', () => {
        ranLate = true;
      });
    }),
    (error) =>
      BoundaryViolationError.isInstance(error) &&
      error.rule === 'max_duration_ms' &&
      error.limit === 20 &&
      typeof error.observed === 'number' &&
      error.observed > 20,
  );
  assert.equal(ranLate, false);
  assert.equal(harness.span('step early').status.code, SpanStatusCode.UNSET);
  assert.equal(harness.span('step early').attributes['runproof.boundary.decision'], 'allow');
  const late = harness.span('step late');
  assert.equal(late.attributes['runproof.boundary.decision'], 'halt');
  assert.equal(late.attributes['error.type'], 'RUNPROOF_BOUNDARY_HALT');
  assert.equal(harness.span('invoke_workflow deadline').attributes['runproof.run.outcome'], 'halted');
});

test('a run past its maximum attempts halts before its function runs', async () => {
  let ran = false;
  await assert.rejects(
    run(
      {
        name: 'retried',
        id: '0190a5c4-1b2c-7d3e-8f40-5a6b7c8d9e0f',
        attempt: 4,
        continuation: 'retry',
        boundary: { maxAttempts: 3 },
      },
      () => {
        ran = true;
      },
    ),
    /max_attempts/,
  );
  assert.equal(ran, false);
  const span = harness.span('invoke_workflow retried');
  assert.equal(span.attributes['runproof.boundary.rule'], 'max_attempts');
  assert.equal(span.attributes['runproof.run.outcome'], 'halted');
});

test('the policy digest is in the manifest, so a changed policy changes the fingerprint', async () => {
  const fingerprints = [];
  for (const boundary of [{ maxToolCalls: 2 }, { maxToolCalls: 3 }, { maxToolCalls: 3 }]) {
    fingerprints.push(await run({ name: 'fingerprinted', boundary }, (current) => current.manifest()));
  }
  assert.match(fingerprints[0]!.declared.policy ?? '', /^[0-9a-f]{64}$/);
  assert.notEqual(fingerprints[0]!.fingerprint, fingerprints[1]!.fingerprint);
  assert.equal(fingerprints[1]!.fingerprint, fingerprints[2]!.fingerprint);
});

test('concurrent calls share the budget: two parallel calls cannot both take its last part', async () => {
  const results = await run({ name: 'parallel', boundary: { maxTotalTokens: 150 } }, () =>
    Promise.all(
      ['a', 'b'].map(async (model) => {
        try {
          const ticket = guardModelCall({ model, maxOutputTokens: 100 });
          await new Promise((resolve) => setTimeout(resolve, 5));
          ticket.settle({ inputTokens: 10, outputTokens: 10 });
          return 'sent';
        } catch {
          return 'refused';
        }
      }),
    ),
  );
  assert.deepEqual(results, ['sent', 'refused']);
});
