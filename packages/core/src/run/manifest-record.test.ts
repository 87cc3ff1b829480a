import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { currentRun, run, step, type RunSpec } from '@runproof/core';
import { freezeWithDigest, reportCall, reportObserved } from '@runproof/core/adapter';
import { createTestHarness } from '@runproof/core/testing';
import { canonicalize } from '../identity/canonical-json.ts';
import type { RunManifest } from '../identity/manifest.ts';

const harness = createTestHarness();
beforeEach(() => harness.reset());

const chat = {
  provider: 'openai',
  operation: 'chat',
  target: 'gpt-4o-mini',
  parameters: { temperature: 0.2, max_tokens: 160, stop: ['\n', 'END'], seed: -0, big: 1e21, small: 1e-7 },
  instructionsDigest: 'a'.repeat(64),
  library: 'openai@7.57.0',
  adapter: '@runproof/openai-adapter@0.1.0',
};
freezeWithDigest(chat);

/**
 * Runs `work` as a run, and returns what its span recorded and what `canonicalize(run.manifest())`
 * gave just before it ended (the manifest's definition): the two must be the same.
 */
async function recordedAndDefined(spec: RunSpec, work: () => Promise<void> | void) {
  let defined: RunManifest | undefined;
  let definedJson = '';
  await run(spec, async () => {
    await work();
    defined = currentRun()!.manifest();
    definedJson = canonicalize(defined);
  });
  const span = harness.span(`invoke_workflow ${spec.name}`);
  const event = span.events.find((candidate) => candidate.name === 'runproof.run.manifest');
  return {
    recorded: {
      json: event?.attributes?.['runproof.manifest'],
      fingerprint: span.attributes['runproof.run.fingerprint'],
      observedDigest: span.attributes['runproof.run.observed_digest'],
    },
    defined: { json: definedJson, fingerprint: defined!.fingerprint, observedDigest: defined!.observedDigest },
  };
}

test('the manifest a run span records is canonicalize(run.manifest()), with its digests, for calls in steps and out', async () => {
  for (let round = 0; round < 2; round += 1) {
    // The second round finds every call's canonical JSON already known.
    const { recorded, defined } = await recordedAndDefined(
      { name: 'triage "quoted" é', conditions: { promptVersion: 'triage-v3', nested: { b: [1, null], a: true } } },
      async () => {
        reportCall(chat);
        await step('extract', () => {
          reportCall(chat);
          reportCall({ provider: 'openai', operation: 'embeddings', target: 'text-embedding-3-small' });
        });
        reportObserved({ resolvedModel: 'gpt-4o-mini-2024-07-18', systemFingerprint: 'fp_2', toolsCalled: ['b', 'a'] });
        reportObserved({ resolvedModel: 'gpt-4o-mini-2024-07-18', systemFingerprint: 'fp_1' });
      },
    );
    assert.deepEqual(recorded, defined);
    await harness.reset();
  }
});

test('a run with no calls and no conditions records the same manifest as its definition', async () => {
  const { recorded, defined } = await recordedAndDefined({ name: 'empty' }, () => {});
  assert.deepEqual(recorded, defined);
});

test('conditions and call parameters that are not plain JSON (a Date, a boxed number) are recorded as their definition says', async () => {
  const { recorded, defined } = await recordedAndDefined(
    { name: 'odd-values', conditions: { since: new Date(0), count: Object(3) as number } },
    () => {
      reportCall({ provider: 'openai', operation: 'chat', target: 'gpt-4o', parameters: { at: new Date(1) } });
    },
  );
  assert.deepEqual(recorded, defined);
  const manifest = JSON.parse(String(recorded.json)) as RunManifest;
  assert.deepEqual(manifest.declared.conditions, { since: '1970-01-01T00:00:00.000Z', count: {} });
});

test('a call whose JSON repeats an earlier call but whose values are not plain (a boxed number) is recorded as its definition says', async () => {
  const plain = await recordedAndDefined({ name: 'boxed' }, () => {
    reportCall({ provider: 'openai', operation: 'chat', target: 'gpt-4o', parameters: { n: 3 } });
  });
  assert.deepEqual(plain.recorded, plain.defined);
  await harness.reset();
  const boxed = await recordedAndDefined({ name: 'boxed' }, () => {
    reportCall({ provider: 'openai', operation: 'chat', target: 'gpt-4o', parameters: { n: Object(3) as number } });
  });
  assert.deepEqual(boxed.recorded, boxed.defined);
});

test('runs of one name that observe different models, then the same again, each record their own manifest', async () => {
  for (const models of [
    ['gpt-4o-mini-2024-07-18'],
    ['gpt-4o-mini-2024-07-18', 'gpt-4o-2024-08-06'],
    ['gpt-4o-2024-08-06'],
  ]) {
    const { recorded, defined } = await recordedAndDefined({ name: 'observing' }, () => {
      reportCall(chat);
      for (const model of models) reportObserved({ resolvedModel: model, toolsCalled: [] });
    });
    assert.deepEqual(recorded, defined);
    await harness.reset();
  }
});

test('conditions given as null, then as the same conditions again in new objects, are recorded as their definition says', async () => {
  const specs: RunSpec[] = [
    { name: 'declaring', conditions: null as unknown as Record<string, unknown> },
    { name: 'declaring', conditions: { promptVersion: 'v1', dataset: { snapshot: 3 } } },
    { name: 'declaring', conditions: { dataset: { snapshot: 3 }, promptVersion: 'v1' } },
    { name: 'declaring', conditions: { promptVersion: 'v2', dataset: { snapshot: 3 } } },
  ];
  for (const spec of specs) {
    const { recorded, defined } = await recordedAndDefined(spec, () => {
      reportCall(chat);
    });
    assert.deepEqual(recorded, defined);
    await harness.reset();
  }
});
