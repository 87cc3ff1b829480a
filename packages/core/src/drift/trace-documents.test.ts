import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { forEachTraceDocument } from './trace-documents.ts';

const folder = mkdtempSync(join(tmpdir(), 'runproof-trace-documents-'));
after(() => rmSync(folder, { recursive: true, force: true }));

/** The documents a file's text is handed over as, read as a large file 7 bytes (or `chunkBytes`) at a time. */
function documentsOf(text: string, chunkBytes = 7): unknown[] {
  const path = join(folder, 'traces.json');
  writeFileSync(path, text);
  const documents: unknown[] = [];
  forEachTraceDocument(path, (document) => documents.push(JSON.parse(document)), {
    wholeFileBytes: 0,
    chunkBytes,
  });
  return documents;
}

const item = (name: string) => ({ resource: { attributes: [] }, scopeSpans: [{ spans: [{ name }] }] });

test('a large file is handed over an element of its span array at a time, whatever cuts its pieces', () => {
  // Runproof's file exporter: one document on one line, strings holding brackets, quotes and non-ASCII.
  const one = JSON.stringify({ resourceSpans: [item('chat "gpt-4o-mini" [x] {y} \\'), item('step ünïcödé 😀')] });
  assert.deepEqual(documentsOf(`${one}\n`), [
    { resourceSpans: [item('chat "gpt-4o-mini" [x] {y} \\')] },
    { resourceSpans: [item('step ünïcödé 😀')] },
  ]);
  // A Collector's file exporter: a document a line, blank lines between.
  const lines = [{ resourceSpans: [item('a')] }, { resourceSpans: [item('b'), item('c')] }].map((document) =>
    JSON.stringify(document),
  );
  assert.deepEqual(documentsOf(`${lines.join('\n\n')}\n`), [
    { resourceSpans: [item('a')] },
    { resourceSpans: [item('b')] },
    { resourceSpans: [item('c')] },
  ]);
  assert.deepEqual(
    documentsOf(`${lines.join('\n\n')}\n`, 4096),
    [{ resourceSpans: [item('a')] }, { resourceSpans: [item('b'), item('c')] }],
    'a line read whole is handed over as it is',
  );
  // Jaeger's classic JSON, pretty-printed, and a top-level array of documents.
  const jaeger = {
    data: [
      { traceID: 't1', spans: [{ operationName: '[{' }] },
      { traceID: 't2', spans: [] },
    ],
    total: 0,
  };
  assert.deepEqual(documentsOf(JSON.stringify(jaeger, null, 2)), [
    { data: [jaeger.data[0]] },
    { data: [jaeger.data[1]] },
  ]);
  assert.deepEqual(documentsOf(JSON.stringify([{ resourceSpans: [] }, { resourceSpans: [item('d')] }])), [
    [{ resourceSpans: [] }],
    [{ resourceSpans: [item('d')] }],
  ]);
});

test('a large document without a span array is handed over whole; text that ends early too, for the reader to refuse', () => {
  const wrapped = { result: { resourceSpans: [item('e')] } };
  assert.deepEqual(documentsOf(JSON.stringify(wrapped)), [wrapped]);
  const path = join(folder, 'cut.json');
  writeFileSync(path, '{"resourceSpans":[{"resource":');
  const handed: string[] = [];
  forEachTraceDocument(path, (text) => handed.push(text), { wholeFileBytes: 0, chunkBytes: 5 });
  assert.deepEqual(handed, ['{"resource":']);
});
