import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';

// Finding 9 of issue 19 (and the unwritable RUNPROOF_TRACES_FILE): a setting that would lose every
// span stops a zero-code app before it runs (exit 78), naming each bad variable of every source.

const app = fileURLToPath(new URL('./apps/workflow.mjs', import.meta.url));
const register = ['--import', '@runproof/core/register'];
const directory = mkdtempSync(join(tmpdir(), 'runproof-start-up-'));

test('a malformed OTEL_EXPORTER_OTLP_HEADERS stops start-up naming the variable, not its value', async () => {
  const result = await runApp(app, { args: register, env: { OTEL_EXPORTER_OTLP_HEADERS: 'api key=abc' } });
  assert.equal(result.code, 78);
  assert.equal(result.stdout, '', 'the app did not run');
  assert.equal(
    result.stderr,
    'Invalid Runproof configuration (environment):\n  - OTEL_EXPORTER_OTLP_HEADERS: expected comma-separated name=value pairs; "api key" is not a valid HTTP header name\n',
  );
});

test('a bad config file and bad variables are reported together', async () => {
  const config = join(directory, 'bad.json');
  writeFileSync(config, JSON.stringify({ serviceName: '' }));
  const result = await runApp(app, {
    args: register,
    env: {
      RUNPROOF_CONFIG: config,
      OTEL_TRACES_SAMPLER_ARG: 'half',
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_BSP_MAX_QUEUE_SIZE: '2k',
      OTEL_LOG_LEVEL: 'chatty',
    },
  });
  assert.equal(result.code, 78);
  assert.equal(result.stdout, '');
  assert.equal(
    result.stderr,
    [
      `Invalid Runproof configuration (RUNPROOF_CONFIG=${config}, environment):`,
      `  - serviceName: Too small: expected string to have >=1 characters [in RUNPROOF_CONFIG=${config}]`,
      '  - OTEL_BSP_MAX_QUEUE_SIZE: expected a positive integer (spans), got "2k"',
      '  - OTEL_TRACES_SAMPLER_ARG: expected a sampling ratio from 0 to 1, got "half"',
      '  - OTEL_LOG_LEVEL: expected none, error, warn, info, debug, verbose, all, got "chatty"',
      '',
    ].join('\n'),
  );
});

test('an unwritable RUNPROOF_TRACES_FILE stops start-up naming it', async () => {
  const notAFolder = join(directory, 'a-file');
  writeFileSync(notAFolder, '');
  const result = await runApp(app, {
    args: register,
    env: { OTEL_TRACES_EXPORTER: 'file', RUNPROOF_TRACES_FILE: join(notAFolder, 'traces.json') },
  });
  assert.equal(result.code, 78);
  assert.equal(result.stdout, '');
  assert.equal(
    result.stderr,
    `Invalid Runproof configuration (environment):\n  - RUNPROOF_TRACES_FILE: cannot write the trace file "${join(notAFolder, 'traces.json')}" (ENOTDIR: a folder on the way is a file)\n`,
  );
});

test('OTEL_SDK_DISABLED=yes (not true or false) stops start-up rather than leaving telemetry on', async () => {
  const result = await runApp(app, { args: register, env: { OTEL_SDK_DISABLED: 'yes' } });
  assert.equal(result.code, 78);
  assert.equal(
    result.stderr,
    'Invalid Runproof configuration (environment):\n  - OTEL_SDK_DISABLED: expected true or false, got "yes"\n',
  );
});
