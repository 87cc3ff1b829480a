/**
 * The OTLP JSON file the demo writes (`npm run demo` without a backend), opened in a real Jaeger
 * v2 the two ways a user can: converted by `/api/transform`, which is what the UI's "Upload JSON
 * file" calls, and sent to Jaeger's OTLP receiver. Nothing in the file is lost either way.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { readManifests } from '@runproof/core';
import { removeFolder, temporaryFolder } from '../support/server-process.ts';
import { exportOtlpJson, findTraces, transformTraceFile } from './jaeger-api.ts';
import { jaegerProgram, startJaeger, type Jaeger } from './jaeger.ts';
import { readTraceFileLines, spansOf, type Span } from './otlp-spans.ts';
import { waitUntil } from './polling.ts';
import { actualUiViews, expectedUiViews } from './ui-view.ts';
import { runDemo, traceFileIn } from './workloads.ts';

describe("the demo's trace file in Jaeger", { skip: jaegerProgram.skip }, () => {
  const service = 'invoice-triage-demo';
  let jaeger: Jaeger;
  let folder: string;
  let contents: string;
  let spans: Span[];
  before(async () => {
    folder = temporaryFolder('trace-file');
    const traceFile = traceFileIn(folder, service);
    [jaeger] = await Promise.all([startJaeger(), runDemo({ service, traceFile })]);
    contents = readFileSync(traceFile, 'utf8');
    spans = spansOf(readTraceFileLines(contents));
  });
  after(async () => {
    await jaeger?.stop();
    if (folder !== undefined) removeFolder(folder);
  });

  const bySpanId = <T extends { spanID: string }>(views: T[]) =>
    [...views].sort((a, b) => a.spanID.localeCompare(b.spanID));

  test('holds the three runs, 27 spans, in one OTLP JSON document', () => {
    assert.equal(readTraceFileLines(contents).length, 1);
    assert.equal(new Set(spans.map((span) => span.traceId)).size, 3);
    assert.equal(spans.length, 27);
  });

  test("the UI's upload (its conversion, /api/transform) shows every span of the file as exported", async () => {
    const shown = await transformTraceFile(jaeger.queryUrl, readTraceFileLines(contents));
    assert.equal(shown.length, 3);
    assert.deepEqual(bySpanId(actualUiViews(shown)), bySpanId(expectedUiViews(spans, { stored: false })));
  });

  test("sent to Jaeger's OTLP receiver, the file is stored exactly as written, manifests included", async () => {
    for (const document of readTraceFileLines(contents)) await exportOtlpJson(jaeger.otlpUrl, document);
    const stored = await waitUntil(
      `Jaeger holds the ${spans.length} spans of the file`,
      async () => {
        const found = spansOf([await findTraces(jaeger.queryUrl, { service })]);
        return found.length >= spans.length && found;
      },
      15_000,
    );
    assert.deepEqual(stored, spans);
    const manifests = readManifests(JSON.stringify(await findTraces(jaeger.queryUrl, { service })));
    const byRunId = (list: typeof manifests) => list.sort((a, b) => a.runId.localeCompare(b.runId));
    assert.equal(manifests.length, 3);
    assert.deepEqual(byRunId(manifests), byRunId(readManifests(contents)));
  });
});
