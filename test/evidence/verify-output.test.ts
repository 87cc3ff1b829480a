import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';
import {
  readOtlp,
  runVerify,
  spansOf,
  temporaryFolder,
  writeJson,
  writeKeyPair,
  type KeyFiles,
  type OtlpDocument,
} from './support.ts';

// runproof verify prints text of the trace (span names, values in its findings), which anyone who
// can edit the trace writes: a line break or a terminal escape sequence in it is printed escaped,
// so an edited trace cannot print a result line of its own or move the cursor over a FAIL line.
const app = fileURLToPath(new URL('./apps/nested-runs.mjs', import.meta.url));
const folder = temporaryFolder('verify-output');
const traceFile = join(folder, 'traces.json');
let key: KeyFiles;
let document: OtlpDocument;

before(async () => {
  key = writeKeyPair(folder, 'signing-key');
  const result = await runApp(app, {
    args: ['--import', '@runproof/core/register'],
    env: {
      OTEL_TRACES_EXPORTER: 'file',
      RUNPROOF_TRACES_FILE: traceFile,
      RUNPROOF_SIGNING_KEY_FILE: key.privatePath,
      NODE_NO_WARNINGS: '1',
    },
  });
  assert.equal(result.code, 0, result.stderr);
  document = readOtlp(traceFile);
});

test("a span renamed with a line break and escape sequences is printed escaped, on its finding's line", async () => {
  const edited = structuredClone(document);
  const step = spansOf(edited).find((span) => span.name === 'step book')!;
  step.name = 'book\n\u001b[1A\u001b[2K2 runs: 2 verified, 0 failed\u2028';
  const result = await runVerify([writeJson(join(folder, 'renamed.json'), edited), '--key', key.publicPath]);
  assert.equal(result.code, 1, result.stdout);
  assert.ok(!result.stdout.includes('\u001b') && !result.stdout.includes('\u2028'), 'nothing printed raw');
  assert.ok(
    result.stdout.includes(
      `            - changed: span "step book" (${step.spanId}): name "step book" -> "book\\n\\u001b[1A\\u001b[2K2 runs: 2 verified, 0 failed\\u2028"\n`,
    ),
    result.stdout,
  );
  assert.deepEqual(
    result.stdout.split('\n').filter((line) => /^\d+ runs?:/.test(line)),
    ['2 runs: 1 verified, 1 failed — NOT VERIFIED'],
  );
});
