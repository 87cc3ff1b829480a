import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';
import {
  addSpanBeside,
  attestationOf,
  copy,
  readOtlp,
  runVerify,
  spansOf,
  temporaryFolder,
  writeJson,
  writeKeyPair,
  type KeyFiles,
  type OtlpDocument,
  type OtlpSpan,
} from './support.ts';

// Only a good attestation may say that an attempt's process died before it ended (whose spans are
// then noted as covered by nothing): a forged one — on a span passed off as a replay of the run,
// which nothing signs — cannot pass a span added to the run off as a dead attempt's.
const app = fileURLToPath(new URL('./apps/nested-runs.mjs', import.meta.url));
const folder = temporaryFolder('forged-death');
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

test("forged: a span added under a 'dead attempt' that only a forged attestation names is named as added", async () => {
  const edited = copy(document);
  const spans = spansOf(edited);
  const runSpan = spans.find((span) => span.name === 'invoke_workflow month-end')!;
  const dead = 'deadbeefdeadbeef';
  // A "replay" of the run whose attestation claims the attempt before it died: signed by nobody.
  const { envelope, statement } = attestationOf(runSpan);
  const replay: OtlpSpan = { ...copy(runSpan), spanId: 'feedfacecafe0005' };
  replay.attributes.push({ key: 'runproof.run.replayed', value: { boolValue: true } });
  statement.predicate.run.spanId = replay.spanId;
  statement.predicate.previousAttempt = { attempt: 1, traceId: runSpan.traceId, spanId: dead, ended: false };
  const forged = { ...envelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') };
  replay.events = replay.events!.map((event) =>
    event.name === 'runproof.run.attestation'
      ? {
          ...event,
          attributes: [{ key: 'runproof.attestation.envelope', value: { stringValue: JSON.stringify(forged) } }],
        }
      : event,
  );
  addSpanBeside(edited, runSpan, replay);
  const added: OtlpSpan = { ...copy(spans.find((span) => span.name === 'step book')!), spanId: 'feedfacecafe0006' };
  added.parentSpanId = dead;
  addSpanBeside(edited, runSpan, added);

  const result = await runVerify([writeJson(join(folder, 'forged.json'), edited), '--key', key.publicPath]);
  assert.equal(result.code, 1, result.stdout);
  assert.ok(
    result.stdout.includes(
      `- added: span "step book" (${added.spanId}) carries the run's id but is not in the signed ledger`,
    ),
    result.stdout,
  );
  assert.doesNotMatch(result.stdout, /process died/);
});
