import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BoundaryViolationError, run, start } from '@runproof/core';
import { guardModelCall, guardToolCall } from '@runproof/core/adapter';
import { createTestHarness } from '@runproof/core/testing';

// Telemetry export is off (this process's spans go to the in-memory harness); boundaries still apply.
process.env.OTEL_SDK_DISABLED = 'true';
const file = join(mkdtempSync(join(tmpdir(), 'runproof-policies-')), 'runproof.json');
writeFileSync(
  file,
  JSON.stringify({
    policies: {
      billing: { name: 'billing-v2', allowedTools: ['charge_card'], decisions: { allowedTools: 'record' } },
      'invoice-triage': { maxModelCalls: 50 },
    },
  }),
);
process.env.RUNPROOF_CONFIG = file;
const harness = createTestHarness();
start({ policies: { 'invoice-triage': { allowedModels: ['gpt-4o-mini'] } } });

test("a policy declared in start() applies to every run of that name, replacing the file's", async () => {
  await assert.rejects(
    run('invoice-triage', () => guardModelCall({ model: 'gpt-4o' })),
    BoundaryViolationError,
  );
  await run('invoice-triage', () => {
    for (let call = 0; call < 60; call += 1) guardModelCall({ model: 'gpt-4o-mini' }).settle();
  });
});

test('a policy from the RUNPROOF_CONFIG file applies by run name, under its own name', async () => {
  const decision = await run('billing', () => guardToolCall({ tool: 'refund' }).decision);
  assert.equal(decision, 'record');
  const runSpan = harness.spans().find((span) => span.name === 'invoke_workflow billing');
  assert.equal(runSpan?.attributes['runproof.boundary.policy'], 'billing-v2');
});

test('a policy passed to run() replaces the configured one; runs of other names have none', async () => {
  assert.equal(
    await run(
      { name: 'invoice-triage', boundary: { maxToolCalls: 1 } },
      () => guardModelCall({ model: 'gpt-4o' }).decision,
    ),
    'allow',
  );
  assert.equal(await run('other', () => guardModelCall({ model: 'anything' }).decision), 'allow');
});
