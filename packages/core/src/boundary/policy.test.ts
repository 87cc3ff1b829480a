import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, resolveConfig, resolvePolicy, run, type BoundaryPolicy, type StartOptions } from '@runproof/core';

const directory = mkdtempSync(join(tmpdir(), 'runproof-policy-'));
function configFile(content: unknown): string {
  const path = join(directory, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

function rejection(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.code, 'RUNPROOF_INVALID_CONFIG');
    return error.message;
  }
  assert.fail('expected the policy to be rejected');
}

const badPolicies: [string, unknown, RegExp][] = [
  [
    'a zero tool-call limit',
    { maxToolCalls: 0 },
    /policies\.invoice-triage\.maxToolCalls: expected a positive integer/,
  ],
  [
    'a fractional model-call limit',
    { maxModelCalls: 2.5 },
    /policies\.invoice-triage\.maxModelCalls: expected a positive integer/,
  ],
  [
    'a string token budget',
    { maxTotalTokens: '1000' },
    /policies\.invoice-triage\.maxTotalTokens: expected a positive integer/,
  ],
  [
    'a negative cost budget',
    { maxCostUsd: -1, prices: { '*': { input: 1, output: 1 } } },
    /policies\.invoice-triage\.maxCostUsd: expected a positive number \(USD\)/,
  ],
  [
    'a cost budget without prices',
    { maxCostUsd: 0.5 },
    /policies\.invoice-triage\.prices: required when maxCostUsd is set/,
  ],
  [
    'a price with a misspelt field',
    { maxCostUsd: 1, prices: { 'gpt-4o': { input: 1, outptu: 2 } } },
    /policies\.invoice-triage\.prices\.gpt-4o\.output: expected a number >= 0.*\n.*policies\.invoice-triage\.prices\.gpt-4o: unknown field "outptu"/,
  ],
  [
    'an empty allowed-models list',
    { allowedModels: [] },
    /policies\.invoice-triage\.allowedModels: expected at least one model name or glob/,
  ],
  [
    'an empty tool name',
    { allowedTools: ['lookup', ' '] },
    /policies\.invoice-triage\.allowedTools\[1\]: expected a non-empty name or glob/,
  ],
  [
    'an unknown decision',
    { decisions: { maxToolCalls: 'stop' } },
    /policies\.invoice-triage\.decisions\.maxToolCalls: expected "record", "escalate" or "halt"/,
  ],
  [
    'a decision for an unknown rule',
    { decisions: { maxTokens: 'halt' } },
    /policies\.invoice-triage\.decisions: unknown field "maxTokens"/,
  ],
  ['an unknown rule', { maxTokens: 1000 }, /policies\.invoice-triage: unknown field "maxTokens"/],
  [
    'a per-tool limit that is not a number',
    { maxToolCallsPerTool: { lookup_vendor: 'two' } },
    /policies\.invoice-triage\.maxToolCallsPerTool\.lookup_vendor: expected a positive integer/,
  ],
  ['a zero deadline', { maxDurationMs: 0 }, /policies\.invoice-triage\.maxDurationMs: expected a positive integer/],
  ['a policy that is not an object', 'strict', /policies\.invoice-triage: expected a policy object/],
];
for (const [what, policy, expected] of badPolicies) {
  test(`start({ policies }) with ${what} is rejected with a message naming the field`, () => {
    assert.match(
      rejection(() => resolveConfig({ policies: { 'invoice-triage': policy as BoundaryPolicy } }, {})),
      expected,
    );
  });
  test(`a RUNPROOF_CONFIG policy with ${what} is rejected with a message naming the field`, () => {
    assert.match(
      rejection(() => resolveConfig({}, { RUNPROOF_CONFIG: configFile({ policies: { 'invoice-triage': policy } }) })),
      expected,
    );
  });
}

test("a config file policy cannot hold an onEscalate hook, and a code policy's hook must be a function", () => {
  assert.match(
    rejection(() =>
      resolveConfig({}, { RUNPROOF_CONFIG: configFile({ policies: { triage: { onEscalate: 'page' } } }) }),
    ),
    /policies\.triage: unknown field "onEscalate"/,
  );
  assert.match(
    rejection(() =>
      resolveConfig({ policies: { triage: { onEscalate: 'page' as unknown as BoundaryPolicy['onEscalate'] } } }, {}),
    ),
    /policies\.triage\.onEscalate: expected a function/,
  );
});

test('policies that are not an object of run names are rejected', () => {
  assert.match(
    rejection(() => resolveConfig({ policies: [] as unknown as StartOptions['policies'] }, {})),
    /policies: expected an object of run name or glob to policy/,
  );
});

test('a bad policy given to run() is rejected before the run starts, naming the field', async () => {
  let ran = false;
  await assert.rejects(
    run({ name: 'triage', boundary: { maxToolCalls: -2, allowedModels: 'gpt-4o' as unknown as string[] } }, () => {
      ran = true;
    }),
    (error) =>
      error instanceof ConfigError &&
      /run\(\{ boundary \}\)/.test(error.message) &&
      /allowedModels: expected an array of model names or globs/.test(error.message) &&
      /maxToolCalls: expected a positive integer/.test(error.message),
  );
  assert.equal(ran, false);
});

test("the file's policies and the options' policies merge by run name, options winning", () => {
  const file = configFile({ policies: { triage: { maxToolCalls: 5 }, billing: { maxModelCalls: 3 } } });
  const config = resolveConfig({ policies: { triage: { maxToolCalls: 2 } } }, { RUNPROOF_CONFIG: file });
  assert.deepEqual(config.policies, { triage: { maxToolCalls: 2 }, billing: { maxModelCalls: 3 } });
  assert.deepEqual(resolveConfig({}, {}).policies, {});
});

test('decisions default to halt; the name defaults to the run name; the digest ignores the hook', () => {
  const withHook = resolvePolicy(
    { maxToolCalls: 2, decisions: { maxToolCalls: 'escalate' }, onEscalate: () => {} },
    'triage',
  );
  const withoutHook = resolvePolicy({ maxToolCalls: 2, decisions: { maxToolCalls: 'escalate' } }, 'triage');
  assert.equal(withHook.name, 'triage');
  assert.equal(withHook.decisions.maxToolCalls, 'escalate');
  assert.equal(withHook.decisions.allowedModels, 'halt');
  assert.equal(withHook.decisions.maxCostUsd, 'halt');
  assert.equal(withHook.digest, withoutHook.digest);
  assert.notEqual(resolvePolicy({ maxToolCalls: 2 }, 'triage').digest, withHook.digest);
});
