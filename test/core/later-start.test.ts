import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';

// Finding 2 of issue 19: `--import @runproof/core/register` and start({ policies }) in code — both
// documented set-ups — together: the code's policies hold, over the config file's; what a later
// start() cannot change is said once on stderr, never dropped silently.

const app = fileURLToPath(new URL('./apps/register-then-start.mjs', import.meta.url));
const register = ['--import', '@runproof/core/register'];
const directory = mkdtempSync(join(tmpdir(), 'runproof-later-start-'));
const quiet = { OTEL_TRACES_EXPORTER: 'none' };

test('start({ policies }) after --import register: a tool outside allowedTools is halted before it runs', async () => {
  const result = await runApp(app, { args: register, env: quiet });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), { deleted: false, halted: true, rule: 'allowed_tools' });
  assert.equal(result.stderr, '');
});

test("start({ policies }) after --import register replaces the config file's policy of the same run name", async () => {
  const config = join(directory, 'lenient.json');
  writeFileSync(config, JSON.stringify({ policies: { 'invoice-triage': { allowedTools: ['*'] } } }));
  const result = await runApp(app, { args: register, env: { ...quiet, RUNPROOF_CONFIG: config } });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), { deleted: false, halted: true, rule: 'allowed_tools' });
});

test('options a later start() cannot apply are named once on stderr, without OTEL_LOG_LEVEL', async () => {
  const result = await runApp(app, {
    args: register,
    env: {
      ...quiet,
      START_OPTIONS: JSON.stringify({ serviceName: 'invoices', traceExporters: ['console'], captureContent: false }),
      START_AGAIN: '1',
    },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), { deleted: false, halted: true, rule: 'allowed_tools' });
  assert.equal(
    result.stderr,
    'runproof: start() was called after Runproof had already started (by --import @runproof/core/register or an earlier start()), so serviceName, traceExporters were ignored: they shape the running SDK. Its captureContent, policies were applied. Set the others through OTEL_* / RUNPROOF_* variables or the RUNPROOF_CONFIG file, or call start() once.\n',
  );
});

test('a later start() validates its options like the first: a bad one throws a ConfigError naming the field', async () => {
  const result = await runApp(app, {
    args: register,
    env: { ...quiet, START_OPTIONS: JSON.stringify({ maxContentBytes: 10 }) },
  });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.match(
    result.stderr,
    /ConfigError: Invalid Runproof configuration \(start\(\) options\):\n {2}- maxContentBytes: Too small: expected number to be >=256\n/,
  );
});
