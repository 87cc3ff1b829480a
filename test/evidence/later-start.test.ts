import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp, type AppResult } from '../support/app.ts';
import { attestationOf, readOtlp, runVerify, spansOf, temporaryFolder } from './support.ts';

// A zero-code app that gives its signing hook in code, in a start() after the register entry point
// has started Runproof: its runs are signed from then on, with no warning that evidence was ignored.
const folder = temporaryFolder('later-start');
const files = { traces: join(folder, 'traces.json'), publicKey: join(folder, 'kms.pub.pem') };
let result: AppResult;

before(async () => {
  result = await runApp(fileURLToPath(new URL('./apps/register-then-sign.mjs', import.meta.url)), {
    args: ['--import', '@runproof/core/register'],
    env: { OTEL_TRACES_EXPORTER: 'file', RUNPROOF_TRACES_FILE: files.traces, PUBLIC_KEY_FILE: files.publicKey },
  });
});

test('start({ evidence }) after --import register applies: the run returns, nothing is printed', () => {
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'settled\n');
  assert.equal(result.stderr, '');
});

test("the run span carries the hook's signature, and it verifies with the KMS public key", async () => {
  const runSpan = spansOf(readOtlp(files.traces)).find((span) => span.name === 'invoke_workflow settlement')!;
  assert.equal(
    runSpan.attributes.find((attribute) => attribute.key === 'runproof.evidence.status')?.value.stringValue,
    'signed',
  );
  assert.equal(attestationOf(runSpan).statement.predicate.ledger.spans.length, 1);
  const verified = await runVerify([files.traces, '--key', files.publicKey]);
  assert.equal(verified.code, 0, verified.stdout);
  assert.match(verified.stdout, /^1 run: 1 verified, 0 failed$/m);
});
