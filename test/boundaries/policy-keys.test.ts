import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp, type AppResult } from '../support/app.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.ts';

// Policy keys are run names or globs, as allowedModels are: the exact name first, then the most
// specific glob. A run name with no policy while a key is nearly it is said once, on stderr.
let receiver: OtlpReceiver;
let result: AppResult;
before(async () => {
  receiver = await startOtlpReceiver();
  const config = join(mkdtempSync(join(tmpdir(), 'runproof-policy-keys-')), 'runproof.json');
  writeFileSync(
    config,
    JSON.stringify({
      policies: {
        'invoice-*': { name: 'invoices', allowedTools: ['lookup_vendor'] },
        'invoice-triage*': { name: 'triage-family', allowedTools: ['refund'] },
        'invoice-triage': { name: 'triage-exact', maxToolCalls: 1 },
        billing: { name: 'billing', allowedTools: ['lookup_vendor'] },
      },
    }),
  );
  result = await runApp(fileURLToPath(new URL('./apps/policy-keys.mjs', import.meta.url)), {
    args: ['--import', '@runproof/core/register'],
    env: {
      RUNPROOF_CONFIG: config,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    },
  });
  assert.equal(result.code, 0, result.stderr);
});
after(() => receiver.close());

test('a policy key with * or ? applies to every run name it matches; the exact name wins, then the glob with the most literal characters', async () => {
  assert.deepEqual(JSON.parse(result.stdout), {
    'invoice-intake': ['ran', 'invoices: allowed_tools'],
    'invoice-triage': ['ran', 'triage-exact: max_tool_calls'],
    // lookup_vendor is not in this policy's tools: halted, and a halted run refuses what follows.
    'invoice-triage-eu': ['triage-family: allowed_tools', 'triage-family: allowed_tools'],
    Billing: ['ran', 'ran'],
    biling: ['ran', 'ran'],
    'Invoice-Intake': ['ran', 'ran'],
    payroll: ['ran', 'ran'],
    bill: ['ran', 'ran'],
  });
  const spans = await receiver.waitFor(
    (received) => received.filter((span) => span.name.startsWith('invoke_workflow')).length === 9,
  );
  const refunds = spans.filter(
    (span) => span.name === 'execute_tool refund' && span.attributes['runproof.boundary.decision'] === 'halt',
  );
  assert.deepEqual(refunds.map((span) => span.attributes['runproof.boundary.policy']).sort(), [
    'invoices',
    'triage-exact',
    'triage-family',
  ]);
  const intake = spans.find((span) => span.name === 'invoke_workflow invoice-intake');
  const refund = refunds.find((span) => span.traceId === intake?.traceId);
  assert.deepEqual(refund?.attributes, {
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': 'refund',
    'gen_ai.tool.type': 'function',
    'runproof.run.id': intake?.attributes['runproof.run.id'],
    'runproof.boundary.policy': 'invoices',
    'runproof.boundary.decision': 'halt',
    'runproof.boundary.rule': 'allowed_tools',
    'error.type': 'RUNPROOF_BOUNDARY_HALT',
  });
});

test('a run name without a policy, while a policy key differs from it only slightly, is warned about once per name on stderr, without OTEL_LOG_LEVEL', () => {
  assert.deepEqual(result.stderr.trim().split('\n'), [
    'runproof: runs named "Billing" have no boundary policy, but policy key "billing" is nearly that name. Policy keys match run names exactly (case included) or as globs (*, ?); if "Billing" should be held to it, fix the key or the run name.',
    'runproof: runs named "biling" have no boundary policy, but policy key "billing" is nearly that name. Policy keys match run names exactly (case included) or as globs (*, ?); if "biling" should be held to it, fix the key or the run name.',
    'runproof: runs named "Invoice-Intake" have no boundary policy, but policy key "invoice-*" is nearly that name. Policy keys match run names exactly (case included) or as globs (*, ?); if "Invoice-Intake" should be held to it, fix the key or the run name.',
  ]);
  // "payroll" and "bill" are more than a typo away from every key: nothing said.
});
