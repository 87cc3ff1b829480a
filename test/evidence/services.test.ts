import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';
import { attribute, readOtlp, runVerify, spansOf, temporaryFolder, writeKeyPair, type KeyFiles } from './support.ts';

// A run spread over two services, each writing its own trace file: the checkout service signs its
// run; the billing service, reached with the run id in W3C baggage, signs nothing. Verified from
// both files, the run passes and billing's span is named as not covered, not as added.
const app = fileURLToPath(new URL('./apps/two-services.mjs', import.meta.url));
const folder = temporaryFolder('services');
const files = { checkout: join(folder, 'checkout.json'), billing: join(folder, 'billing.json') };
let key: KeyFiles;

before(async () => {
  key = writeKeyPair(folder, 'signing-key');
  const common = { OTEL_TRACES_EXPORTER: 'file', OTEL_METRICS_EXPORTER: 'none', NODE_NO_WARNINGS: '1' };
  const billing = spawn(process.execPath, ['--import', '@runproof/core/register', app], {
    env: {
      ...process.env,
      ...common,
      ROLE: 'billing',
      OTEL_SERVICE_NAME: 'billing',
      RUNPROOF_TRACES_FILE: files.billing,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [port] = (await once(billing.stdout, 'data')) as [Buffer];
  const checkout = await runApp(app, {
    args: ['--import', '@runproof/core/register'],
    env: {
      ...common,
      ROLE: 'checkout',
      OTEL_SERVICE_NAME: 'checkout',
      RUNPROOF_TRACES_FILE: files.checkout,
      RUNPROOF_SIGNING_KEY_FILE: key.privatePath,
      BILLING_URL: `http://127.0.0.1:${port.toString().trim()}/`,
    },
  });
  assert.equal(checkout.code, 0, checkout.stderr);
  billing.kill('SIGTERM');
  await once(billing, 'exit');
});

test("the billing service's span carries the checkout run's id, in the same trace", () => {
  const [charge] = spansOf(readOtlp(files.billing));
  const runSpan = spansOf(readOtlp(files.checkout)).find((span) => span.name === 'invoke_workflow checkout')!;
  assert.equal(charge?.name, 'charge card');
  assert.equal(attribute(charge, 'runproof.run.id'), attribute(runSpan, 'runproof.run.id'));
  assert.equal(charge.traceId, runSpan.traceId);
});

test("verified from both files, the run passes and the other service's span is named as not covered", async () => {
  const result = await runVerify([files.checkout, files.billing, '--key', key.publicPath]);
  assert.equal(result.code, 0, result.stdout);
  assert.match(
    result.stdout,
    /^ {4}ok {4}ledger {5}1 signed span, 1 present\n {12}note: 1 span of other services \(billing\) carries the run id and is not covered: the run's process signed only its own spans$/m,
  );
  assert.match(result.stdout, /^1 run: 1 verified, 0 failed$/m);
});
