import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { z } from 'zod';
import {
  checkpoint,
  RunproofError,
  standardSchemaDigest,
  ValidationError,
  type StandardSchemaV1,
} from '@runproof/core';
import { createTestHarness } from '@runproof/core/testing';

const harness = createTestHarness();
beforeEach(() => harness.reset());

const Invoice = z.object({
  vendor: z.string(),
  lines: z.array(z.object({ amount: z.number().positive() })),
  currency: z.string().default('EUR'),
});
const bad = { vendor: 'ACME', lines: [{ amount: 10 }, { amount: 'ten' }] };

test('a passing checkpoint is a validate span with outcome pass, its schema digest (no zero issue count) and the pass verdict as a gen_ai.evaluation.result event', async () => {
  const value = { vendor: 'ACME', lines: [{ amount: 10 }] };
  assert.equal(await checkpoint('invoice.fields', Invoice, value), value);
  const span = harness.span('validate invoice.fields');
  assert.equal(span.kind, SpanKind.INTERNAL);
  assert.deepEqual(span.attributes, {
    'runproof.validation.checkpoint': 'invoice.fields',
    'runproof.validation.outcome': 'pass',
    'runproof.validation.schema.digest': standardSchemaDigest(Invoice),
  });
  assert.deepEqual(
    span.events.map((event) => [event.name, event.attributes]),
    [
      [
        'gen_ai.evaluation.result',
        { 'gen_ai.evaluation.name': 'invoice.fields', 'gen_ai.evaluation.score.label': 'pass' },
      ],
    ],
  );
});

test('record mode records the failure with issue codes and paths, never values, and returns the value untouched', async () => {
  assert.equal(await checkpoint('invoice.fields', Invoice, bad), bad);
  const span = harness.span('validate invoice.fields');
  assert.equal(span.attributes['runproof.validation.outcome'], 'fail');
  assert.equal(span.attributes['runproof.validation.issue_count'], 1);
  assert.equal(span.status.code, SpanStatusCode.UNSET);
  assert.deepEqual(
    span.events.map((event) => [event.name, event.attributes]),
    [
      [
        'runproof.validation.failure',
        { 'runproof.validation.issue.codes': ['invalid_type'], 'runproof.validation.issue.paths': ['lines[1].amount'] },
      ],
      // No explanation without content capture: the issue messages may quote the value.
      [
        'gen_ai.evaluation.result',
        { 'gen_ai.evaluation.name': 'invoice.fields', 'gen_ai.evaluation.score.label': 'fail' },
      ],
    ],
  );
  const checks = (await harness.metrics()).find((metric) => metric.descriptor.name === 'runproof.validation.checks');
  assert.deepEqual(
    checks?.dataPoints.map((point) => [point.attributes, point.value]),
    [[{ 'runproof.validation.checkpoint': 'invoice.fields', 'runproof.validation.outcome': 'fail' }, 1]],
  );
});

test('with content capture on, the failure event carries the issue messages', async () => {
  harness.configure({ captureContent: true, redact: (content) => content.replace(/number/g, '<type>') });
  await checkpoint('invoice.fields', Invoice, bad);
  const event = harness.span('validate invoice.fields').events[0];
  assert.deepEqual(event?.attributes?.['runproof.validation.issue.messages'], [
    'Invalid input: expected <type>, received string',
  ]);
});

test('with content capture on, the evaluation result explains the failure: issue paths and messages, redacted and capped', async () => {
  harness.configure({
    captureContent: true,
    maxContentBytes: 48,
    redact: (content) => content.replace(/number/g, '<type>'),
  });
  await checkpoint('invoice.fields', Invoice, bad);
  const evaluation = harness
    .span('validate invoice.fields')
    .events.find((event) => event.name === 'gen_ai.evaluation.result');
  assert.deepEqual(evaluation?.attributes, {
    'gen_ai.evaluation.name': 'invoice.fields',
    'gen_ai.evaluation.score.label': 'fail',
    'gen_ai.evaluation.explanation': 'lines[1].amount: Invalid input: expected <type>,',
  });
});

test('enforce mode throws a ValidationError with issues as { code, path, message } and marks the span', async () => {
  await assert.rejects(checkpoint('invoice.fields', Invoice, bad, { mode: 'enforce' }), (error) => {
    assert.ok(ValidationError.isInstance(error));
    assert.equal(error.code, 'RUNPROOF_VALIDATION_FAILED');
    assert.equal(error.checkpoint, 'invoice.fields');
    assert.deepEqual(error.issues, [
      {
        code: 'invalid_type',
        path: ['lines', 1, 'amount'],
        message: 'Invalid input: expected number, received string',
      },
    ]);
    return true;
  });
  const span = harness.span('validate invoice.fields');
  assert.equal(span.attributes['error.type'], 'RUNPROOF_VALIDATION_FAILED');
  assert.deepEqual(span.status, {
    code: SpanStatusCode.ERROR,
    message: 'checkpoint "invoice.fields" failed with 1 issue',
  });
});

test('enforce mode returns the schema output (defaults applied) when the value passes', async () => {
  const parsed = await checkpoint('invoice.fields', Invoice, { vendor: 'ACME', lines: [] }, { mode: 'enforce' });
  assert.deepEqual(parsed, { vendor: 'ACME', lines: [], currency: 'EUR' });
});

test('any Standard Schema works, async validators included, and its digest is stable', async () => {
  const asyncSchema: StandardSchemaV1<unknown, string> = {
    '~standard': {
      version: 1,
      vendor: 'hand-written',
      validate: async (value) =>
        typeof value === 'string' ? { value } : { issues: [{ message: 'expected a string', path: [{ key: 'root' }] }] },
    },
  };
  assert.equal(await checkpoint('async', asyncSchema, 'ok', { mode: 'enforce' }), 'ok');
  await assert.rejects(
    checkpoint('async', asyncSchema, 42, { mode: 'enforce' }),
    (error) =>
      ValidationError.isInstance(error) && error.issues[0]?.code === 'invalid' && error.issues[0]?.path[0] === 'root',
  );
  assert.equal(
    standardSchemaDigest(asyncSchema),
    standardSchemaDigest({ '~standard': { ...asyncSchema['~standard'] } }),
  );
});

test('a schema that is not a Standard Schema is a typed error; a validator that throws passes its error through', async () => {
  await assert.rejects(
    checkpoint('bad', { parse() {} } as unknown as StandardSchemaV1, 1),
    (error) => RunproofError.isInstance(error) && error.code === 'RUNPROOF_INVALID_SCHEMA',
  );
  const original = new Error('refinement crashed');
  const throwing = z.string().refine(() => {
    throw original;
  });
  await assert.rejects(checkpoint('crashing', throwing, 'x'), (error) => error === original);
  assert.equal(harness.span('validate crashing').status.code, SpanStatusCode.ERROR);
});

test('a schema whose validate() returns a malformed result is a RunproofError naming the checkpoint and what was malformed; its span ends with that error', async () => {
  const returning = (result: unknown): StandardSchemaV1 => ({
    '~standard': { version: 1, vendor: 'hand-written', validate: () => result as never },
  });
  const cases: [string, unknown, string][] = [
    ['nothing', undefined, 'it is undefined, not an object with "value" or "issues"'],
    ['a number', Promise.resolve(42), 'it is a number, not an object with "value" or "issues"'],
    ['neither', {}, 'it has neither "value" nor "issues"'],
    ['issues-string', { issues: 'amount is wrong' }, '"issues" is a string, not an array'],
    ['issues-empty', { issues: [] }, '"issues" is an empty array (a failure names at least one issue)'],
    ['issue-null', { issues: [null] }, 'issues[0] is null, not an object'],
    [
      'issue-message',
      { issues: [{ message: 'ok' }, { path: ['amount'] }] },
      'issues[1].message is undefined, not a string',
    ],
    ['issue-path', { issues: [{ message: 'bad', path: 'amount' }] }, 'issues[0].path is a string, not an array'],
    [
      'issue-segment',
      { issues: [{ message: 'bad', path: ['lines', { index: 0 }] }] },
      'issues[0].path[1] is an object without "key", not a property key',
    ],
  ];
  for (const [name, result, problem] of cases) {
    for (const mode of ['record', 'enforce'] as const) {
      await harness.reset();
      const checked =
        mode === 'enforce'
          ? checkpoint(`malformed.${name}`, returning(result), { amount: 'ten' }, { mode })
          : checkpoint(`malformed.${name}`, returning(result), { amount: 'ten' }, { mode });
      await assert.rejects(checked, (error) => {
        assert.ok(RunproofError.isInstance(error), `${name}: ${String(error)}`);
        assert.equal(error.code, 'RUNPROOF_INVALID_SCHEMA');
        assert.equal(
          error.message,
          `checkpoint("malformed.${name}"): the schema's validate() returned a malformed result: ${problem}`,
        );
        return true;
      });
      const span = harness.span(`validate malformed.${name}`);
      assert.deepEqual(span.attributes, {
        'runproof.validation.checkpoint': `malformed.${name}`,
        'error.type': 'RUNPROOF_INVALID_SCHEMA',
      });
      assert.equal(span.status.code, SpanStatusCode.ERROR);
    }
  }
});
