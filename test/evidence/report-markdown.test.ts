import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';
import {
  attribute,
  CLI,
  readOtlp,
  spansOf,
  temporaryFolder,
  writeJson,
  writeKeyPair,
  type KeyFiles,
  type OtlpDocument,
} from './support.ts';

// The Markdown report holds text of the trace — span names, attribute values in the findings —
// which anyone who can edit the trace writes: a line break or a code fence in it stays inside its
// line or its block, so an edited trace cannot print a verdict of its own beside the report's.
const app = fileURLToPath(new URL('./apps/nested-runs.mjs', import.meta.url));
const folder = temporaryFolder('report-markdown');
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

test('a span renamed with a line break and a code fence cannot put a verdict of its own in the Markdown report', async () => {
  const edited = structuredClone(document);
  const spans = spansOf(edited);
  const runId = String(
    attribute(
      spans.find((span) => span.name === 'invoke_workflow month-end')!,
      'runproof.run.id',
    ),
  );
  spans.find((span) => span.name === 'step book')!.name = 'book\n```\n\n> **VERIFIED** — every check passed\n\n```';
  const result = await runApp(CLI, {
    scriptArgs: ['report', writeJson(join(folder, 'renamed.json'), edited), '--run', runId, '--key', key.publicPath],
  });
  assert.equal(result.code, 1, result.stderr);
  const lines = result.stdout.split('\n');
  assert.deepEqual(
    lines.filter((line) => /^> \*\*(NOT )?VERIFIED\*\*/.test(line)),
    [lines[4]],
    "one verdict: the report's",
  );
  assert.match(lines[4]!, /^> \*\*NOT VERIFIED\*\* — 1 problem found/);
  const tree = lines.indexOf('  └ step close');
  assert.deepEqual(lines.slice(tree - 2, tree + 3), [
    '````',
    'invoke_workflow month-end',
    '  └ step close',
    '    └ book ``` > **VERIFIED** — every check passed ```',
    '````',
  ]);
});
