import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createManifest, diffManifests, digest, type CallConditions, type DeclaredConditions } from '@runproof/core';

const classify: CallConditions = {
  provider: 'openai',
  operation: 'chat',
  target: 'gpt-4o-mini',
  parameters: { temperature: 0, max_tokens: 300 },
  instructionsDigest: 'a'.repeat(64),
  step: 'classify',
  library: 'openai@7.57.0',
};
const extract: CallConditions = {
  provider: 'openai',
  operation: 'chat',
  target: 'gpt-4o',
  parameters: { temperature: 0 },
  schemaDigest: 'b'.repeat(64),
  step: 'extract',
};

function manifestOf(
  calls: CallConditions[],
  overrides: Partial<DeclaredConditions> = {},
  observed = { resolvedModels: ['gpt-4o-mini-2024-07-18'], systemFingerprints: ['fp_1'], toolsCalled: [] as string[] },
) {
  const declared: DeclaredConditions = {
    run: 'triage',
    code: { version: 'abc' },
    runproof: '0.1.0',
    policy: null,
    conditions: {},
    calls: [...calls].sort((a, b) => (digest(a) < digest(b) ? -1 : 1)),
    ...overrides,
  };
  return createManifest({ runId: 'r', attempt: 1, continuation: 'new', declared, observed });
}

test('the fingerprint is the digest of the declared conditions only; identity and observations do not change it', () => {
  const a = manifestOf([classify, extract]);
  const b = createManifest({
    ...a,
    runId: 'other',
    attempt: 3,
    continuation: 'retry',
    observed: { resolvedModels: ['gpt-4o-mini-2025-01-01'], systemFingerprints: [], toolsCalled: [] },
  });
  assert.equal(a.fingerprint, digest(a.declared));
  assert.equal(b.fingerprint, a.fingerprint);
  assert.notEqual(b.observedDigest, a.observedDigest);
});

test('a changed call parameter is reported as that one parameter of that call', () => {
  const before = manifestOf([classify, extract]);
  const after = manifestOf([{ ...classify, parameters: { temperature: 0.7, max_tokens: 300 } }, extract]);
  assert.deepEqual(diffManifests(before, after), [
    {
      path: 'declared.calls[chat gpt-4o-mini @ classify].parameters.temperature',
      kind: 'changed',
      before: 0,
      after: 0.7,
    },
  ]);
});

test('a swapped model, an added call, a removed call and an upstream model change are each named', () => {
  const before = manifestOf([classify, extract]);
  const summarize: CallConditions = { provider: 'openai', operation: 'chat', target: 'gpt-4o-mini', step: 'summarize' };
  const after = manifestOf(
    [{ ...classify, target: 'gpt-4.1-mini' }, summarize],
    {},
    { resolvedModels: ['gpt-4o-mini-2025-04-14'], systemFingerprints: ['fp_1'], toolsCalled: [] },
  );
  assert.deepEqual(diffManifests(before, after), [
    { path: 'declared.calls[chat gpt-4o @ extract]', kind: 'removed', before: extract },
    {
      path: 'declared.calls[chat gpt-4o-mini @ classify].target',
      kind: 'changed',
      before: 'gpt-4o-mini',
      after: 'gpt-4.1-mini',
    },
    { path: 'declared.calls[chat gpt-4o-mini @ summarize]', kind: 'added', after: summarize },
    {
      path: 'observed.resolvedModels',
      kind: 'changed',
      before: ['gpt-4o-mini-2024-07-18'],
      after: ['gpt-4o-mini-2025-04-14'],
    },
  ]);
});

test('policy and code version changes are named', () => {
  const before = manifestOf([classify]);
  const after = manifestOf([classify], { policy: 'c'.repeat(64), code: { version: 'def' } });
  assert.deepEqual(diffManifests(before, after), [
    { path: 'declared.code.version', kind: 'changed', before: 'abc', after: 'def' },
    { path: 'declared.policy', kind: 'changed', before: null, after: 'c'.repeat(64) },
  ]);
});
