import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { context, diag, DiagLogLevel, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { z } from 'zod';
import {
  checkpoint,
  currentRun,
  digest,
  outcome,
  run,
  RunproofError,
  step,
  ValidationError,
  type RunManifest,
} from '@runproof/core';
import { cachedDigest, markError, reportCall, reportObserved } from '@runproof/core/adapter';
import { createTestHarness } from '@runproof/core/testing';

const harness = createTestHarness();
beforeEach(() => harness.reset());

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('a run is an invoke_workflow span with its identity, outcome, fingerprint and manifest event', async () => {
  const result = await run(
    { name: 'invoice-triage', owners: { technical: 'ml-platform', operational: 'finance-ops' } },
    async (current) => {
      assert.equal(currentRun(), current);
      reportCall({ provider: 'openai', operation: 'chat', target: 'gpt-4o-mini', parameters: { temperature: 0 } });
      reportObserved({
        resolvedModel: 'gpt-4o-mini-2024-07-18',
        systemFingerprint: 'fp_1',
        toolsCalled: ['lookup_vendor'],
      });
      return 'approved';
    },
  );
  assert.equal(result, 'approved');
  const span = harness.span('invoke_workflow invoice-triage');
  assert.equal(span.kind, SpanKind.INTERNAL);
  const id = span.attributes['runproof.run.id'] as string;
  assert.match(id, UUID_V7);
  const event = span.events.find((candidate) => candidate.name === 'runproof.run.manifest');
  const manifest = JSON.parse(event?.attributes?.['runproof.manifest'] as string) as RunManifest;
  assert.deepEqual(span.attributes, {
    'gen_ai.operation.name': 'invoke_workflow',
    'gen_ai.workflow.name': 'invoice-triage',
    'runproof.run.id': id,
    'runproof.run.name': 'invoice-triage',
    'runproof.run.attempt': 1,
    'runproof.run.continuation': 'new',
    'runproof.owner.technical': 'ml-platform',
    'runproof.owner.operational': 'finance-ops',
    'runproof.run.outcome': 'completed',
    'runproof.run.fingerprint': manifest.fingerprint,
    'runproof.run.observed_digest': manifest.observedDigest,
  });
  assert.equal(event?.attributes?.['runproof.manifest.truncated'], false);
  assert.deepEqual(manifest.declared.calls, [
    { provider: 'openai', operation: 'chat', target: 'gpt-4o-mini', parameters: { temperature: 0 } },
  ]);
  assert.deepEqual(manifest.observed, {
    resolvedModels: ['gpt-4o-mini-2024-07-18'],
    systemFingerprints: ['fp_1'],
    toolsCalled: ['lookup_vendor'],
  });
  assert.equal(span.status.code, SpanStatusCode.UNSET);
});

test("every span started inside the run, ours or the user's, is in its trace and carries the run id", async () => {
  const tracer = trace.getTracer('user-code');
  let runId = '';
  await run('nesting', async (current) => {
    runId = current.id;
    await step('extract', async () => {
      tracer.startActiveSpan('user work', (span) => span.end());
      await new Promise((resolve) => setTimeout(resolve, 1));
      tracer.startSpan('after a timer').end();
    });
  });
  const root = harness.span('invoke_workflow nesting');
  const stepSpan = harness.span('step extract');
  for (const span of [stepSpan, harness.span('user work'), harness.span('after a timer')]) {
    assert.equal(span.spanContext().traceId, root.spanContext().traceId);
    assert.equal(span.attributes['runproof.run.id'], runId);
  }
  assert.equal(stepSpan.parentSpanContext?.spanId, root.spanContext().spanId);
  assert.equal(harness.span('user work').parentSpanContext?.spanId, stepSpan.spanContext().spanId);
});

test('the run id travels in W3C baggage to downstream services', async () => {
  const carrier: Record<string, string> = {};
  let runId = '';
  await run('propagation', (current) => {
    runId = current.id;
    propagation.inject(context.active(), carrier);
  });
  assert.equal(carrier.baggage, `runproof.run.id=${runId}`);
  assert.match(carrier.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  // A downstream service that extracts the headers stamps the same run id on its spans.
  const downstream = propagation.extract(context.active(), carrier);
  trace.getTracer('downstream').startSpan('handle request', {}, downstream).end();
  assert.equal(harness.span('handle request').attributes['runproof.run.id'], runId);
});

test('a failing run ends failed with error.type and rethrows the original error', async () => {
  const original = new TypeError('vendor id missing');
  await assert.rejects(
    run('failing', () =>
      step('extract', () => {
        throw original;
      }),
    ),
    (error) => error === original,
  );
  const span = harness.span('invoke_workflow failing');
  assert.equal(span.attributes['runproof.run.outcome'], 'failed');
  assert.equal(span.attributes['error.type'], 'TypeError');
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(harness.span('step extract').attributes['error.type'], 'TypeError');
});

test('continuing a run keeps its id and records attempt and continuation', async () => {
  const id = '0190a5c4-1b2c-7d3e-8f40-5a6b7c8d9e0f';
  await run({ name: 'retrying', id, attempt: 2, continuation: 'retry' }, () => undefined);
  const span = harness.span('invoke_workflow retrying');
  assert.equal(span.attributes['runproof.run.id'], id);
  assert.equal(span.attributes['runproof.run.attempt'], 2);
  assert.equal(span.attributes['runproof.run.continuation'], 'retry');
});

test('setOutcome overrides the default outcome', async () => {
  await run('handoff', (current) => current.setOutcome('handed_off'));
  assert.equal(harness.span('invoke_workflow handoff').attributes['runproof.run.outcome'], 'handed_off');
});

test('outcome() adds a business outcome event to the run span', async () => {
  await run('billing', () => outcome('invoice.amount', 1280.5, { unit: 'EUR', status: 'approved' }));
  const event = harness
    .span('invoke_workflow billing')
    .events.find((candidate) => candidate.name === 'runproof.outcome');
  assert.deepEqual(event?.attributes, {
    'runproof.outcome.name': 'invoice.amount',
    'runproof.outcome.value': 1280.5,
    'runproof.outcome.unit': 'EUR',
    'runproof.outcome.status': 'approved',
  });
});

test('an invalid run spec is rejected before anything runs, naming each problem', async () => {
  let ran = false;
  await assert.rejects(
    run({ name: '', attempt: 0, continuation: 'restart' as 'retry' }, () => {
      ran = true;
    }),
    (error) =>
      RunproofError.isInstance(error) &&
      error.code === 'RUNPROOF_INVALID_ARGUMENT' &&
      error.message ===
        'run(): name must be a non-empty string; attempt must be an integer >= 1; continuation must be one of new, retry, resume, handoff, fork',
  );
  assert.equal(ran, false);
  assert.equal(harness.spans().length, 0);
});

test('runs and their durations are counted by name and outcome', async () => {
  await run('counted', () => undefined);
  await assert.rejects(run('counted', () => Promise.reject(new Error('boom'))));
  const metrics = await harness.metrics();
  const runs = metrics.find((metric) => metric.descriptor.name === 'runproof.runs');
  const points = runs?.dataPoints.map((point) => [point.attributes['runproof.run.outcome'], point.value]).sort();
  assert.deepEqual(points, [
    ['completed', 1],
    ['failed', 1],
  ]);
  assert.ok(
    metrics.some((metric) => metric.descriptor.name === 'runproof.run.duration' && metric.descriptor.unit === 's'),
  );
});

test("concurrent runs never see each other's run", async () => {
  const ids = await Promise.all(
    Array.from({ length: 50 }, (_, index) =>
      run(`concurrent-${index % 5}`, async (current) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
        return step('work', async () => {
          await new Promise((resolve) => setImmediate(resolve));
          return currentRun()?.id === current.id ? current.id : 'mixed up';
        });
      }),
    ),
  );
  assert.equal(new Set(ids).size, 50);
  const steps = harness.spans().filter((span) => span.name === 'step work');
  assert.deepEqual(new Set(steps.map((span) => span.attributes['runproof.run.id'])), new Set(ids));
});

test('markError withholds the message of errors that quote content unless capture is on', async () => {
  class OutputParserException extends Error {}
  const tracer = trace.getTracer('test');
  const withheld = tracer.startSpan('withheld');
  markError(withheld, new OutputParserException('Failed to parse. Text: "ACME owes 1,280.50"'));
  withheld.end();
  harness.configure({ captureContent: true });
  const captured = tracer.startSpan('captured');
  markError(captured, new OutputParserException('Failed to parse. Text: "ACME owes 1,280.50"'));
  captured.end();
  const plain = tracer.startSpan('plain');
  markError(plain, new RangeError('budget exceeded'));
  plain.end();

  const withheldSpan = harness.span('withheld');
  assert.equal(withheldSpan.attributes['error.type'], 'OutputParserException');
  assert.ok(!JSON.stringify([withheldSpan.status, withheldSpan.events]).includes('1,280.50'));
  assert.match(String(withheldSpan.status.message), /^message withheld/);
  assert.equal(harness.span('captured').status.message, 'Failed to parse. Text: "ACME owes 1,280.50"');
  assert.equal(harness.span('plain').events[0]?.attributes?.['exception.message'], 'budget exceeded');
});

test('an enforced checkpoint failure keeps its code on the span, not its messages, without capture', async () => {
  const error = new ValidationError('intake', [
    { code: 'custom', path: ['ssn'], message: 'SSN 123-45-6789 is not allowed' },
  ]);
  const span = trace.getTracer('test').startSpan('checked');
  markError(span, error);
  span.end();
  const recorded = harness.span('checked');
  assert.equal(recorded.attributes['error.type'], 'RUNPROOF_VALIDATION_FAILED');
  assert.ok(!JSON.stringify([recorded.status, recorded.events]).includes('123-45-6789'));
});

test('a call fingerprint never depends on which calls came before (values JSON would change are not cached)', () => {
  const base = { provider: 'openai', operation: 'chat', target: 'gpt-4o-mini' };
  assert.equal(
    reportCall({ ...base, parameters: { temperature: Number.NaN } }),
    '',
    'NaN cannot be canonicalized: no fingerprint',
  );
  const withNull = reportCall({ ...base, parameters: { temperature: null } });
  assert.match(withNull, /^[0-9a-f]{64}$/);
  assert.equal(
    reportCall({ ...base, parameters: { temperature: Number.NaN } }),
    '',
    'still none after the null variant was cached',
  );
  assert.equal(reportCall({ ...base, parameters: { temperature: null } }), withNull);
});

test('cachedDigest is digest(): member order does not matter, a cache hit gives the same value, and non-JSON values are not cached', () => {
  const format = {
    type: 'json_schema',
    json_schema: { name: 'city', schema: { type: 'object', properties: { city: { type: 'string' } } } },
  };
  const reordered = {
    json_schema: { schema: { properties: { city: { type: 'string' } }, type: 'object' }, name: 'city' },
    type: 'json_schema',
  };
  assert.equal(cachedDigest(format), digest(format));
  assert.equal(
    cachedDigest(structuredClone(format)),
    digest(format),
    'a new object with the same JSON: from the cache, same digest',
  );
  assert.equal(cachedDigest(reordered), digest(format));
  // `{ n: NaN }` and `{ n: null }` have the same JSON text; only canonicalization tells them apart.
  assert.equal(cachedDigest({ n: null }), digest({ n: null }));
  assert.throws(() => cachedDigest({ n: Number.NaN }), /NaN/);
  // What JSON makes of a value is what is digested, whichever form was seen first.
  const boxed = { temperature: new Number(0.2) };
  assert.equal(cachedDigest(boxed), digest({ temperature: 0.2 }));
  assert.equal(cachedDigest({ temperature: 0.2 }), digest({ temperature: 0.2 }));
  const date = new Date(Date.UTC(2026, 10, 29));
  assert.equal(cachedDigest({ at: date }), digest({ at: '2026-11-29T00:00:00.000Z' }));
});

test('run(), step() and checkpoint() reject the same bad names with the same error code, before anything runs', async () => {
  const schema = z.string();
  const long = 'x'.repeat(10_240);
  const cases: [unknown, string][] = [
    [null, 'name must be a string (got null)'],
    [undefined, 'name must be a string (got undefined)'],
    [42, 'name must be a string (got a number)'],
    ['', 'name must be a non-empty string'],
    ['   ', 'name must be a non-empty string'],
    [long, 'name must be at most 256 characters (got 10240)'],
  ];
  let ran = 0;
  for (const [name, problem] of cases) {
    const calls: [string, () => Promise<unknown>][] = [
      ['run()', () => run(name as string, () => void (ran += 1))],
      ['run()', () => run({ name: name as string }, () => void (ran += 1))],
      ['step()', () => step(name as string, () => void (ran += 1))],
      ['checkpoint()', () => checkpoint(name as string, schema, 'value')],
    ];
    for (const [call, invoke] of calls) {
      await assert.rejects(invoke(), (error) => {
        assert.ok(RunproofError.isInstance(error), `${call} ${String(name).slice(0, 10)}: ${String(error)}`);
        assert.equal(error.code, 'RUNPROOF_INVALID_ARGUMENT');
        assert.equal(error.message, `${call}: ${problem}`);
        return true;
      });
    }
  }
  // Inside a run too: a bad step name throws, and nothing was started for it.
  await assert.rejects(
    run('named', () => step('', () => void (ran += 1))),
    (error) => RunproofError.isInstance(error) && error.code === 'RUNPROOF_INVALID_ARGUMENT',
  );
  assert.equal(ran, 0);
  assert.deepEqual(
    harness.spans().map((span) => span.name),
    ['invoke_workflow named'],
  );
  // The longest accepted name works everywhere.
  const longest = 'n'.repeat(256);
  await run(longest, () => step(longest, () => checkpoint(longest, schema, 'value')));
  assert.equal(harness.spans().length, 4);
});

test('outcome() records strings, finite numbers and booleans; other values are not recorded and warned about once through diag', async () => {
  const warnings: string[] = [];
  diag.setLogger(
    {
      error: () => {},
      warn: (message) => void warnings.push(message),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  );
  try {
    await run('outcomes', () => {
      outcome('invoice.category', 'utilities');
      outcome('invoice.amount', 1280.5, { unit: 'EUR' });
      outcome('invoice.approved', false);
      outcome('invoice.lines', { count: 3 } as unknown as number);
      outcome('invoice.lines', { count: 4 } as unknown as number);
      outcome('invoice.tags', ['a', 'b'] as unknown as string);
      outcome('invoice.ratio', Number.NaN);
      outcome('invoice.ratio', Number.NaN);
      outcome('invoice.limit', Number.POSITIVE_INFINITY);
      outcome('invoice.vendor', null as unknown as string);
      outcome('invoice.count', 10n as unknown as number);
    });
  } finally {
    diag.disable();
  }
  const events = harness.span('invoke_workflow outcomes').events.filter((event) => event.name === 'runproof.outcome');
  assert.deepEqual(
    events.map((event) => event.attributes),
    [
      { 'runproof.outcome.name': 'invoice.category', 'runproof.outcome.value': 'utilities' },
      { 'runproof.outcome.name': 'invoice.amount', 'runproof.outcome.value': 1280.5, 'runproof.outcome.unit': 'EUR' },
      { 'runproof.outcome.name': 'invoice.approved', 'runproof.outcome.value': false },
    ],
  );
  assert.deepEqual(warnings, [
    "runproof: outcome('invoice.lines') was not recorded: its value is an object; an outcome's value is a string, a finite number or a boolean",
    "runproof: outcome('invoice.tags') was not recorded: its value is an array; an outcome's value is a string, a finite number or a boolean",
    "runproof: outcome('invoice.ratio') was not recorded: its value is NaN; an outcome's value is a string, a finite number or a boolean",
    "runproof: outcome('invoice.limit') was not recorded: its value is Infinity; an outcome's value is a string, a finite number or a boolean",
    "runproof: outcome('invoice.vendor') was not recorded: its value is null; an outcome's value is a string, a finite number or a boolean",
    "runproof: outcome('invoice.count') was not recorded: its value is a bigint; an outcome's value is a string, a finite number or a boolean",
  ]);
});
