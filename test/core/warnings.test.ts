import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';

// Finding 10 of issue 19: what turns a safety feature off, drops a policy or loses all telemetry
// reaches a person — once, on stderr, with no OTEL_LOG_LEVEL set; the rest stays on diag.

const app = fileURLToPath(new URL('./apps/warnings.mjs', import.meta.url));

test('warnLoudly prints once on stderr without OTEL_LOG_LEVEL; warnOnce stays on diag', async () => {
  const result = await runApp(app);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'done\n');
  assert.equal(result.stderr, 'runproof: boundaries are off for runs named "triage"; fix the policy key.\n');
});

test('a backend that receives nothing is said on stderr at exit, without OTEL_LOG_LEVEL', async () => {
  const result = await runApp(fileURLToPath(new URL('./apps/workflow.mjs', import.meta.url)), {
    args: ['--import', '@runproof/core/register'],
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', RUNPROOF_SHUTDOWN_TIMEOUT_MS: '300' },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stderr,
    /^runproof: telemetry was lost, none of it reached its destination: 4 spans to http:\/\/127\.0\.0\.1:9\/v1\/traces \(.*connect ECONNREFUSED 127\.0\.0\.1:9\)\n$/,
  );
});
