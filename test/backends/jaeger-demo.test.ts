/**
 * The demo's traces in a real Jaeger v2 (test/backends/jaeger.ts): its apps run as `npm run demo`
 * runs them — three invoices while the provider silently moves the model alias, then a durable run
 * killed after classifying and resumed — exporting over OTLP/HTTP to Jaeger and to a trace file.
 * Through Jaeger's own query API (`/api/v3/traces`, and `/api/traces`, the JSON its UI searches and
 * shows) every span is exactly what was exported, and a search by service or by each tag the
 * README promises finds exactly the runs it should.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readManifests } from '@runproof/core';
import { removeFolder, temporaryFolder } from '../support/server-process.ts';
import { assertShownAsExported, foundTraces, storedSpans, tracesInOrder } from './jaeger-checks.ts';
import { findTraces, searchUiTraces, type TraceSearch } from './jaeger-api.ts';
import { jaegerProgram, startJaeger, type Jaeger } from './jaeger.ts';
import { byTrace, sortSpans, stringAttribute, treeLines, type Span } from './otlp-spans.ts';
import { runDemo, traceFileIn } from './workloads.ts';

describe("the demo's runs in Jaeger", { skip: jaegerProgram.skip }, () => {
  let jaeger: Jaeger;
  let folder: string;
  before(async () => {
    folder = temporaryFolder('jaeger-demo');
    jaeger = await startJaeger();
  });
  after(async () => {
    await jaeger?.stop();
    if (folder !== undefined) removeFolder(folder);
  });

  const destination = (service: string, label?: string) => ({
    service,
    endpoint: jaeger.otlpUrl,
    traceFile: traceFileIn(folder, service, label),
  });
  const found = (search: TraceSearch) => foundTraces(jaeger.queryUrl, search);

  const service = 'invoice-triage-demo';
  let batch: Span[];
  let crashed: Span[];
  let resumed: Span[];
  let runs: string[];
  let durable: string;
  before(async () => {
    const demo = await runDemo(destination(service), folder);
    [batch, crashed, resumed] = [demo.batch.spans, demo.crashed!.spans, demo.resumed!.spans];
    runs = tracesInOrder(batch);
    [durable] = tracesInOrder(resumed) as [string];
  });

  test('is stored exactly as exported, every attribute, event and link, and shown by the UI as its documented conversion', async () => {
    assert.equal(runs.length, 3);
    assert.deepEqual(crashed, [], 'the killed process exported nothing: what it had queued died with it');
    await assertShownAsExported(jaeger.queryUrl, service, sortSpans([...batch, ...resumed]));
  });

  test('each run is one trace: the run span, its steps, and their model calls and checkpoint', async () => {
    const traces = byTrace(await storedSpans(jaeger.queryUrl, service, [...batch, ...resumed]));
    for (const traceId of runs) {
      assert.deepEqual(treeLines(traces.get(traceId)!), [
        'invoke_workflow invoice-triage INTERNAL',
        '  step extract INTERNAL',
        '    chat gpt-4o-mini CLIENT',
        '    validate invoice.fields INTERNAL',
        '  step classify INTERNAL',
        '    chat gpt-4o-mini CLIENT',
        '    chat gpt-4o-mini CLIENT',
        '  step summarize INTERNAL',
        '    chat gpt-4o-mini CLIENT',
      ]);
    }
    // The resumed durable run: the extraction replayed from the journal, nothing under it.
    assert.deepEqual(treeLines(traces.get(durable)!), [
      'invoke_workflow invoice-triage INTERNAL',
      '  step extract INTERNAL',
      '  step classify INTERNAL',
      '    chat gpt-4o-mini CLIENT',
      '    chat gpt-4o-mini CLIENT',
      '  step summarize INTERNAL',
      '    chat gpt-4o-mini CLIENT',
    ]);
  });

  test('the manifests read back from Jaeger are the ones the runs recorded', async () => {
    const fromJaeger = readManifests(JSON.stringify(await findTraces(jaeger.queryUrl, { service })));
    const recorded = [...batch, ...resumed].filter((span) =>
      span.events.some((event) => event.name === 'runproof.run.manifest'),
    );
    assert.equal(fromJaeger.length, 4);
    assert.equal(recorded.length, 4);
    for (const span of recorded) {
      const attribute = span.events.find((event) => event.name === 'runproof.run.manifest')!.attributes[
        'runproof.manifest'
      ];
      assert.ok(attribute !== undefined && 'string' in attribute);
      const runId = stringAttribute(span, 'runproof.run.id');
      assert.deepEqual(
        fromJaeger.filter((manifest) => manifest.runId === runId),
        [JSON.parse(attribute.string)],
      );
    }
  });

  test('a search by runproof.run.id finds exactly that run', async () => {
    for (const traceId of [...runs, durable]) {
      const runId = stringAttribute(
        [...batch, ...resumed].find((span) => span.traceId === traceId)!,
        'runproof.run.id',
      )!;
      assert.deepEqual(await found({ service, tags: { 'runproof.run.id': runId } }), [traceId]);
    }
    assert.equal(stringAttribute(resumed[0]!, 'runproof.run.id'), 'invoice-IC-4711');
  });

  test('runproof.drift.detected=true finds exactly the run that saw the silent model update: the second', async () => {
    assert.deepEqual(await found({ service, tags: { 'runproof.drift.detected': 'true' } }), [runs[1]]);
  });

  test('the resumed run is found by its replayed step, and links to the killed attempt, which Jaeger never received', async () => {
    assert.deepEqual(await found({ service, tags: { 'runproof.step.replayed': 'true' } }), [durable]);
    assert.deepEqual(await found({ service, tags: { 'runproof.run.continuation': 'resume' } }), [durable]);
    const [shown] = await searchUiTraces(jaeger.queryUrl, {
      service,
      tags: { 'runproof.run.id': 'invoice-IC-4711' },
    });
    const root = shown!.spans.find((span) => span.operationName === 'invoke_workflow invoice-triage')!;
    const [link] = root.references;
    assert.equal(root.references.length, 1);
    assert.equal(link?.refType, 'FOLLOWS_FROM');
    assert.notEqual(link?.traceID, durable);
    assert.deepEqual(
      await found({ service, tags: { 'runproof.run.attempt': '1' } }),
      [...runs].sort(),
      'no first attempt of the durable run arrived',
    );
  });

  test('outcome, validation, decision and model searches find every run that had the value, and none for values no run had', async () => {
    const all = [...runs, durable].sort();
    assert.deepEqual(await found({ service }), all);
    assert.deepEqual(await found({ service, tags: { 'runproof.run.outcome': 'completed' } }), all);
    assert.deepEqual(await found({ service, tags: { 'runproof.validation.outcome': 'pass' } }), all);
    assert.deepEqual(await found({ service, tags: { 'runproof.boundary.decision': 'allow' } }), all);
    assert.deepEqual(await found({ service, tags: { 'gen_ai.request.model': 'gpt-4o-mini' } }), all);
    assert.deepEqual(await found({ service, operation: 'validate invoice.fields' }), [...runs].sort());
    assert.deepEqual(await found({ service, tags: { 'runproof.run.outcome': 'halted' } }), []);
    assert.deepEqual(await found({ service, tags: { 'runproof.validation.outcome': 'fail' } }), []);
    assert.deepEqual(await found({ service, tags: { 'gen_ai.request.model': 'gpt-4.1' } }), []);
  });
});
