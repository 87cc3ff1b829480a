import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';
import { startSimulator } from '../simulator/simulator.ts';
import {
  addSpanBeside,
  attestationOf,
  attribute,
  copy,
  readOtlp,
  runVerify,
  spansOf,
  temporaryFolder,
  writeJson,
  writeKeyPair,
  type KeyFiles,
  type OtlpDocument,
} from './support.ts';

// A signed run whose spans outlive its run span verifies: a streamed completion the caller reads
// after run() returned was still open when the run ended, which its attestation signs, and is named
// as not covered rather than as added; a span a callback of the run starts once the run is over is
// not the run's. A span that was not open at the end is still named as added.
const app = fileURLToPath(new URL('./apps/late-spans.mjs', import.meta.url));
const folder = temporaryFolder('late-spans');
const traceFile = join(folder, 'traces.json');
let key: KeyFiles;
let document: OtlpDocument;

before(async () => {
  key = writeKeyPair(folder, 'signing-key');
  const simulator = await startSimulator({ chunkDelayMs: 5 });
  try {
    const result = await runApp(app, {
      args: ['--import', '@runproof/core/register'],
      env: {
        OPENAI_BASE_URL: simulator.url,
        OPENAI_API_KEY: 'test-key',
        OTEL_TRACES_EXPORTER: 'file',
        RUNPROOF_TRACES_FILE: traceFile,
        RUNPROOF_SIGNING_KEY_FILE: key.privatePath,
        NODE_NO_WARNINGS: '1',
      },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'read\n');
  } finally {
    await simulator.close();
  }
  document = readOtlp(traceFile);
});

test('a span still open when the run ended verifies, named as not covered; a span started after the run is not its', async () => {
  const spans = spansOf(document);
  const runSpan = spans.find((span) => span.name === 'invoke_workflow answer-stream')!;
  const chat = spans.find((span) => span.name === 'chat gpt-4o-mini')!;
  const audit = spans.find((span) => span.name === 'audit write')!;
  assert.ok(BigInt(chat.endTimeUnixNano) > BigInt(runSpan.endTimeUnixNano));
  assert.equal(attribute(chat, 'runproof.run.id'), attribute(runSpan, 'runproof.run.id'));
  assert.equal(attribute(audit, 'runproof.run.id'), undefined);
  assert.deepEqual(attestationOf(runSpan).statement.predicate.ledger.open, [chat.spanId]);

  const result = await runVerify([traceFile, '--key', key.publicPath]);
  assert.equal(result.code, 0, result.stdout);
  const lines = result.stdout.split('\n');
  const from = lines.findIndex((line) => line.includes('manifest'));
  assert.deepEqual(lines.slice(from, from + 4), [
    '    ok    manifest   fingerprint and observed digest recomputed; 0 call spans against 1 declared condition',
    `            note: 1 call span still open when the run ended ("chat gpt-4o-mini" (${chat.spanId})): not checked against the manifest signed then`,
    '    ok    ledger     1 signed span, 1 present',
    `            note: 1 span of the run was still open when it ended ("chat gpt-4o-mini" (${chat.spanId})) and is not covered: the attestation was made as the run ended`,
  ]);
  assert.match(result.stdout, /^1 run: 1 verified, 0 failed$/m);
});

test('a span added beside the open one, ending after the run too, is named as added', async () => {
  const edited = copy(document);
  const chat = spansOf(edited).find((span) => span.name === 'chat gpt-4o-mini')!;
  addSpanBeside(edited, chat, { ...copy(chat), spanId: 'feedfacecafe0003' });
  const result = await runVerify([writeJson(join(folder, 'edited.json'), edited), '--key', key.publicPath]);
  assert.equal(result.code, 1, result.stdout);
  assert.ok(
    result.stdout.includes(
      '- added: span "chat gpt-4o-mini" (feedfacecafe0003) carries the run\'s id but is not in the signed ledger',
    ),
    result.stdout,
  );
});
