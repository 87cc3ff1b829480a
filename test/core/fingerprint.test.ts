import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { diffManifests, type RunManifest } from '@runproof/core';
import { runApp } from '../support/app.ts';

const app = fileURLToPath(new URL('./apps/workflow.mjs', import.meta.url));

async function runWorkflow(env: Record<string, string>): Promise<RunManifest> {
  const result = await runApp(app, {
    args: ['--import', '@runproof/core/register'],
    env: { OTEL_TRACES_EXPORTER: 'none', ...env },
  });
  assert.equal(result.code, 0, result.stderr);
  return (JSON.parse(result.stdout) as { manifest: RunManifest }).manifest;
}

test('two processes running the same run produce the same fingerprint; one changed condition changes it and the diff names it', async () => {
  const code = { RUNPROOF_CODE_VERSION: '9f1c2ab' };
  const [first, second, changedPrompt, changedCode] = await Promise.all([
    runWorkflow(code),
    runWorkflow(code),
    runWorkflow({ ...code, APP_CONDITIONS: JSON.stringify({ prompt: 'triage-v4' }) }),
    runWorkflow({ RUNPROOF_CODE_VERSION: '7d00e41' }),
  ]);
  assert.notEqual(first.runId, second.runId);
  assert.match(first.fingerprint, /^[0-9a-f]{64}$/);
  assert.equal(second.fingerprint, first.fingerprint);
  assert.deepEqual(diffManifests(first, second), []);

  assert.notEqual(changedPrompt.fingerprint, first.fingerprint);
  assert.deepEqual(diffManifests(first, changedPrompt), [
    { path: 'declared.conditions.prompt', kind: 'changed', before: 'triage-v3', after: 'triage-v4' },
  ]);
  assert.notEqual(changedCode.fingerprint, first.fingerprint);
  assert.deepEqual(diffManifests(first, changedCode), [
    { path: 'declared.code.version', kind: 'changed', before: '9f1c2ab', after: '7d00e41' },
  ]);
});
