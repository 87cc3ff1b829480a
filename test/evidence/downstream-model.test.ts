import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';
import { attribute, readOtlp, runVerify, spansOf, temporaryFolder, writeKeyPair, type KeyFiles } from './support.ts';

// A signed run whose downstream service (reached with the run id in W3C baggage) makes a model call
// of its own, with another model: that call is the other service's, so it is not held against the
// run's signed manifest — the run verifies, and the span is named as not covered.
const app = fileURLToPath(new URL('./apps/downstream-model.mjs', import.meta.url));
const folder = temporaryFolder('downstream-model');
const files = { checkout: join(folder, 'checkout.json'), advisor: join(folder, 'advisor.json') };
let key: KeyFiles;
let simulator: Simulator;

before(async () => {
  key = writeKeyPair(folder, 'signing-key');
  simulator = await startSimulator({ chunkDelayMs: 0 });
  const common = {
    OTEL_TRACES_EXPORTER: 'file',
    OTEL_METRICS_EXPORTER: 'none',
    OPENAI_BASE_URL: simulator.url,
    OPENAI_API_KEY: 'test-key',
    NODE_NO_WARNINGS: '1',
  };
  const advisor = spawn(process.execPath, ['--import', '@runproof/core/register', app], {
    env: {
      ...process.env,
      ...common,
      ROLE: 'advisor',
      OTEL_SERVICE_NAME: 'advisor',
      RUNPROOF_TRACES_FILE: files.advisor,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [port] = (await once(advisor.stdout, 'data')) as [Buffer];
  const checkout = await runApp(app, {
    args: ['--import', '@runproof/core/register'],
    env: {
      ...common,
      ROLE: 'checkout',
      OTEL_SERVICE_NAME: 'checkout',
      RUNPROOF_TRACES_FILE: files.checkout,
      RUNPROOF_SIGNING_KEY_FILE: key.privatePath,
      ADVISOR_URL: `http://127.0.0.1:${port.toString().trim()}/`,
    },
  });
  assert.equal(checkout.code, 0, checkout.stderr);
  advisor.kill('SIGTERM');
  await once(advisor, 'exit');
});
after(() => simulator?.close());

test("the advisor's model call carries the checkout run's id and answers with another model", () => {
  const [call] = spansOf(readOtlp(files.advisor)).filter((span) => span.name === 'chat gpt-4o');
  const runSpan = spansOf(readOtlp(files.checkout)).find((span) => span.name === 'invoke_workflow checkout')!;
  assert.equal(attribute(call!, 'runproof.run.id'), attribute(runSpan, 'runproof.run.id'));
  assert.equal(attribute(call!, 'gen_ai.response.model'), 'gpt-4o-2024-08-06');
});

test("verified from both files, the run passes: the other service's model call is not held against its manifest", async () => {
  const result = await runVerify([files.checkout, files.advisor, '--key', key.publicPath]);
  assert.equal(result.code, 0, result.stdout);
  assert.match(
    result.stdout,
    /^ {4}ok {4}manifest {3}fingerprint and observed digest recomputed; 1 call span against 1 declared condition$/m,
  );
  assert.match(
    result.stdout,
    /^ {12}note: 1 span of other services \(advisor\) carries the run id and is not covered: the run's process signed only its own spans$/m,
  );
  assert.match(result.stdout, /^1 run: 1 verified, 0 failed$/m);
});
