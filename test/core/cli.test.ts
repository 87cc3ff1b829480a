import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';

const app = fileURLToPath(new URL('./apps/workflow.mjs', import.meta.url));
const cli = fileURLToPath(new URL('../../packages/core/dist/cli.js', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'runproof-cli-'));

async function recordRun(file: string, prompt: string): Promise<string> {
  const result = await runApp(app, {
    args: ['--import', '@runproof/core/register'],
    env: {
      OTEL_TRACES_EXPORTER: 'file',
      RUNPROOF_TRACES_FILE: join(directory, file),
      RUNPROOF_CODE_VERSION: 'abc123',
      APP_CONDITIONS: JSON.stringify({ prompt }),
    },
  });
  assert.equal(result.code, 0, result.stderr);
  return (JSON.parse(result.stdout) as { runId: string }).runId;
}

const runproof = (...scriptArgs: string[]) => runApp(cli, { scriptArgs, cwd: directory });

test('runproof diff reads manifests from OTLP JSON trace files and names what diverged', async () => {
  const [first, second] = await Promise.all([
    recordRun('a.json', 'triage-v3'),
    recordRun('b.json', 'triage-v3'),
    recordRun('c.json', 'triage-v4'),
  ]);

  const listed = await runproof('manifests', 'a.json');
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`^${first}  invoice-triage  attempt 1  fingerprint [0-9a-f]{16}…\\n$`));

  const same = await runproof('diff', `a.json#${first}`, `b.json#${second}`);
  assert.deepEqual([same.code, same.stdout], [0, 'same conditions\n']);

  const changed = await runproof('diff', 'a.json', 'c.json');
  assert.deepEqual([changed.code, changed.stdout], [1, '~ declared.conditions.prompt: "triage-v3" -> "triage-v4"\n']);
});

test('runproof names a missing run or file and prints usage for a bad command', async () => {
  await recordRun('d.json', 'triage-v3');
  const missingRun = await runproof('diff', 'd.json#nope', 'd.json');
  assert.deepEqual([missingRun.code, missingRun.stderr], [2, 'runproof: d.json holds no run nope\n']);
  const missingFile = await runproof('diff', 'absent.json', 'd.json');
  assert.equal(missingFile.code, 2);
  assert.match(missingFile.stderr, /^runproof: ENOENT: no such file or directory, open 'absent\.json'\n$/);
  const usage = await runproof('compare');
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^usage: runproof manifests <traces\.json>\n/);
});
