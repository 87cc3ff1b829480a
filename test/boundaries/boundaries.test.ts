import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { z } from 'zod';
import {
  BoundaryViolationError,
  checkpoint,
  run,
  step,
  tool,
  ValidationError,
  type BoundaryPolicy,
  type BoundaryViolation,
  type Run,
  type RunManifest,
} from '@runproof/core';
import { guardModelCall } from '@runproof/core/adapter';
import { createTestHarness } from '@runproof/core/testing';

// A stand-in model server that counts what reaches it, and a minimal client guarded the way the
// adapters guard theirs: span, guard, request, settle.
let server: Server;
let endpoint = '';
let requestsReceived = 0;
before(async () => {
  server = createServer((request, response) => {
    requestsReceived += 1;
    request.resume().on('end', () => {
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({ model: 'gpt-4o-mini-2024-07-18', usage: { prompt_tokens: 120, completion_tokens: 30 } }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
});
after(() => server.close());

const harness = createTestHarness();
beforeEach(async () => {
  requestsReceived = 0;
  await harness.reset();
});

async function chat(model: string, maxTokens?: number): Promise<unknown> {
  const span = trace.getTracer('test-client').startSpan(`chat ${model}`, { kind: SpanKind.CLIENT });
  try {
    const ticket = guardModelCall({ model, maxOutputTokens: maxTokens, estimatedInputTokens: 100 }, span);
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        body: JSON.stringify({ model, max_tokens: maxTokens }),
      });
      const body = (await response.json()) as {
        model: string;
        usage: { prompt_tokens: number; completion_tokens: number };
      };
      ticket.settle({
        inputTokens: body.usage.prompt_tokens,
        outputTokens: body.usage.completion_tokens,
        model: body.model,
      });
      return body;
    } catch (error) {
      ticket.settle();
      throw error;
    }
  } finally {
    span.end();
  }
}

const lookupVendor = tool('lookup_vendor', async ({ vendorId }: { vendorId: string }) => ({ vendorId, name: 'ACME' }), {
  arguments: z.object({ vendorId: z.string().min(1) }),
});

test('a disallowed model halts with zero requests sent', async () => {
  await assert.rejects(
    run({ name: 'invoice-triage', boundary: { allowedModels: ['gpt-4o-mini*'] } }, () => chat('gpt-4o', 100)),
    (error) =>
      BoundaryViolationError.isInstance(error) && error.rule === 'allowed_models' && error.observed === 'gpt-4o',
  );
  assert.equal(requestsReceived, 0);
  assert.equal(harness.span('chat gpt-4o').attributes['runproof.boundary.decision'], 'halt');
  assert.equal(harness.span('invoke_workflow invoice-triage').attributes['runproof.run.outcome'], 'halted');
});

test('the third tool call over a limit of two is escalated: onEscalate gets the violation and the run, and the tool runs', async () => {
  const escalations: { violation: BoundaryViolation; run: Run }[] = [];
  const boundary: BoundaryPolicy = {
    maxToolCalls: 2,
    decisions: { maxToolCalls: 'escalate' },
    onEscalate: (violation, current) => void escalations.push({ violation, run: current }),
  };
  const runId = await run({ name: 'invoice-triage', boundary }, async (current) => {
    for (const vendorId of ['v1', 'v2', 'v3']) await lookupVendor({ vendorId });
    return current.id;
  });
  assert.deepEqual(
    escalations.map(({ violation, run: current }) => [
      violation.rule,
      violation.limit,
      violation.observed,
      violation.decision,
      current.id,
    ]),
    [['max_tool_calls', 2, 3, 'escalate', runId]],
  );
  const tools = harness.spans().filter((span) => span.name === 'execute_tool lookup_vendor');
  assert.deepEqual(
    tools.map((span) => span.attributes['runproof.boundary.decision']),
    ['allow', 'allow', 'escalate'],
  );
  assert.deepEqual(tools[2]!.attributes, {
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': 'lookup_vendor',
    'gen_ai.tool.type': 'function',
    'runproof.run.id': runId,
    'runproof.boundary.policy': 'invoice-triage',
    'runproof.boundary.decision': 'escalate',
    'runproof.boundary.rule': 'max_tool_calls',
    'runproof.validation.outcome': 'pass',
    'runproof.validation.checkpoint': 'lookup_vendor.arguments',
    'runproof.validation.schema.digest': tools[2]!.attributes['runproof.validation.schema.digest'],
  });
  assert.equal(harness.span('invoke_workflow invoice-triage').attributes['runproof.run.outcome'], 'escalated');
});

test('under a halt policy the third tool call is halted before the tool runs, and completed steps stay recorded', async () => {
  let calls = 0;
  const countedLookup = tool('lookup_vendor', () => ++calls);
  await assert.rejects(
    run({ name: 'invoice-triage', boundary: { maxToolCalls: 2 } }, async () => {
      await step('first', () => countedLookup());
      await step('second', () => countedLookup());
      await step('third', () => countedLookup());
    }),
    (error) =>
      BoundaryViolationError.isInstance(error) &&
      error.rule === 'max_tool_calls' &&
      error.limit === 2 &&
      error.observed === 3,
  );
  assert.equal(calls, 2);
  assert.equal(harness.span('step first').status.code, SpanStatusCode.UNSET);
  assert.equal(harness.span('step second').status.code, SpanStatusCode.UNSET);
  assert.equal(harness.span('step third').attributes['error.type'], 'RUNPROOF_BOUNDARY_HALT');
  const halted = harness.spans().filter((span) => span.name === 'execute_tool lookup_vendor')[2]!;
  assert.equal(halted.attributes['runproof.boundary.decision'], 'halt');
  assert.equal(halted.status.code, SpanStatusCode.ERROR);
  const runSpan = harness.span('invoke_workflow invoice-triage');
  assert.equal(runSpan.attributes['runproof.run.outcome'], 'halted');
  // The manifest still records what ran before the halt.
  const manifest = JSON.parse(
    runSpan.events.find((event) => event.name === 'runproof.run.manifest')!.attributes!['runproof.manifest'] as string,
  ) as RunManifest;
  assert.deepEqual(manifest.observed.toolsCalled, ['lookup_vendor']);
});

test('a token budget stops a call whose max_tokens ceiling would exceed it, before it is sent', async () => {
  await assert.rejects(
    run({ name: 'invoice-triage', boundary: { maxTotalTokens: 1_000 } }, async () => {
      await chat('gpt-4o-mini', 400); // reserves 100 + 400, uses 150
      await chat('gpt-4o-mini', 900); // 150 used + 100 + 900 > 1000
    }),
    (error) =>
      BoundaryViolationError.isInstance(error) &&
      error.rule === 'max_total_tokens' &&
      error.limit === 1_000 &&
      error.observed === 1_150,
  );
  assert.equal(requestsReceived, 1);
});

test('past the run deadline no new call starts', async () => {
  await assert.rejects(
    run({ name: 'invoice-triage', boundary: { maxDurationMs: 30 } }, async () => {
      await chat('gpt-4o-mini', 10);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await chat('gpt-4o-mini', 10);
    }),
    (error) => BoundaryViolationError.isInstance(error) && error.rule === 'max_duration_ms',
  );
  assert.equal(requestsReceived, 1);
});

test('tool arguments that fail their schema are recorded as fail, or stop the tool in enforce mode', async () => {
  let ran = 0;
  const strict = tool('lookup_vendor', (_arguments: { vendorId: string }) => ++ran, {
    arguments: z.object({ vendorId: z.string() }),
    mode: 'enforce',
  });
  await run('invoice-triage', async () => {
    await lookupVendor({ vendorId: '' });
    await assert.rejects(
      strict({ vendorId: 7 } as unknown as { vendorId: string }),
      (error) => ValidationError.isInstance(error) && error.issues[0]?.path[0] === 'vendorId',
    );
  });
  assert.equal(ran, 0);
  const [recorded, enforced] = harness.spans().filter((span) => span.name === 'execute_tool lookup_vendor');
  assert.equal(recorded!.attributes['runproof.validation.outcome'], 'fail');
  assert.deepEqual(recorded!.events[0]?.attributes, {
    'runproof.validation.issue.codes': ['too_small'],
    'runproof.validation.issue.paths': ['vendorId'],
  });
  assert.equal(enforced!.attributes['runproof.validation.outcome'], 'fail');
  assert.equal(enforced!.attributes['error.type'], 'RUNPROOF_VALIDATION_FAILED');
});

test('a checkpoint between steps: record lets the run go on, enforce stops it with the issue path', async () => {
  const Fields = z.object({ vendor: z.string(), total: z.number().positive() });
  await assert.rejects(
    run('invoice-triage', async () => {
      const fields = await step('extract', () => ({ vendor: 'ACME', total: -5 }));
      await checkpoint('invoice.fields', Fields, fields);
      await checkpoint('invoice.fields.strict', Fields, fields, { mode: 'enforce' });
      await step('classify', () => 'never');
    }),
    (error) => ValidationError.isInstance(error) && error.issues[0]?.path.join('.') === 'total',
  );
  assert.equal(harness.span('validate invoice.fields').attributes['runproof.validation.outcome'], 'fail');
  assert.equal(harness.span('validate invoice.fields.strict').attributes['runproof.validation.outcome'], 'fail');
  assert.equal(
    harness.spans().some((span) => span.name === 'step classify'),
    false,
  );
  assert.equal(harness.span('invoke_workflow invoice-triage').attributes['runproof.run.outcome'], 'failed');
});
