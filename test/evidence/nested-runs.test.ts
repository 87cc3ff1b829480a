import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';
import {
  attestationOf,
  attribute,
  readOtlp,
  removeSpans,
  runVerify,
  spansOf,
  temporaryFolder,
  writeJson,
  writeKeyPair,
  type KeyFiles,
  type OtlpDocument,
} from './support.ts';

// A run started inside another run is a run of its own, and a span of the enclosing one: the
// enclosing run's ledger lists its run span, so removing the nested run (its run span and every
// span of it) from the trace is named when the enclosing run is verified.
const app = fileURLToPath(new URL('./apps/nested-runs.mjs', import.meta.url));
const folder = temporaryFolder('nested-runs');
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

const spanNamed = (name: string) => spansOf(document).find((span) => span.name === name)!;

test("the enclosing run's ledger lists the nested run's span, and both runs verify", async () => {
  const outer = spanNamed('invoke_workflow month-end');
  const inner = spanNamed('invoke_workflow refund-approval');
  assert.equal(attribute(inner, 'runproof.run.parent_id'), attribute(outer, 'runproof.run.id'));
  assert.deepEqual(
    attestationOf(outer).statement.predicate.ledger.spans.map((entry) => entry.name),
    ['invoke_workflow refund-approval', 'step book', 'step close'],
  );
  const result = await runVerify([traceFile, '--key', key.publicPath]);
  assert.equal(result.code, 0, result.stdout);
  assert.match(result.stdout, /^2 runs: 2 verified, 0 failed$/m);
});

test('a nested run removed from the trace is named as missing from the enclosing run', async () => {
  const inner = spanNamed('invoke_workflow refund-approval');
  const innerRunId = attribute(inner, 'runproof.run.id');
  const edited = structuredClone(document);
  removeSpans(edited, (span) => attribute(span, 'runproof.run.id') === innerRunId);
  const result = await runVerify([writeJson(join(folder, 'without-nested.json'), edited), '--key', key.publicPath]);
  assert.equal(result.code, 1, result.stdout);
  assert.ok(
    result.stdout.includes(
      `- missing: span "invoke_workflow refund-approval" (${inner.spanId}) was signed but is not in the traces`,
    ),
    result.stdout,
  );
  assert.match(result.stdout, /^1 run: 0 verified, 1 failed — NOT VERIFIED$/m);
});
