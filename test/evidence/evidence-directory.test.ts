import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp, type AppResult } from '../support/app.ts';
import { attribute, readOtlp, spansOf, temporaryFolder, writeKeyPair } from './support.ts';

// The evidence directory names a run's file after its id, percent-encoded: an id that
// encodeURIComponent refuses (a lone surrogate) still gets its file, and the run span — which
// went missing when naming the file threw as the span ended — is exported, signed.
const app = fileURLToPath(new URL('./apps/odd-run-id.mjs', import.meta.url));
const folder = temporaryFolder('evidence-directory');
const files = { traces: join(folder, 'traces.json'), directory: join(folder, 'evidence') };
let result: AppResult;

before(async () => {
  const key = writeKeyPair(folder, 'signing-key');
  result = await runApp(app, {
    args: ['--import', '@runproof/core/register'],
    env: {
      OTEL_TRACES_EXPORTER: 'file',
      RUNPROOF_TRACES_FILE: files.traces,
      RUNPROOF_SIGNING_KEY_FILE: key.privatePath,
      RUNPROOF_EVIDENCE_DIR: files.directory,
      NODE_NO_WARNINGS: '1',
    },
  });
});

test('a run id with a lone surrogate: the run returns, its span is exported signed, its envelope is in its file', () => {
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'read\n');
  assert.equal(result.stderr, '');
  const runSpan = spansOf(readOtlp(files.traces)).find((span) => span.name === 'invoke_workflow invoice-intake');
  assert.ok(runSpan, 'the run span is exported');
  assert.equal(attribute(runSpan, 'runproof.run.id'), 'invoice-\ud83d');
  assert.equal(attribute(runSpan, 'runproof.evidence.status'), 'signed');
  assert.deepEqual(readdirSync(files.directory), ['invoice-%EF%BF%BD.intoto.jsonl']);
});
