import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { trace, type Attributes } from '@opentelemetry/api';
import { z } from 'zod';
import { jsonSchemaDigest, validateJsonSchema, validateStandardSchema } from '@runproof/core';
import { checkJsonOutput, checkToolCallArguments, classifyFinish, recordValidation } from '@runproof/core/adapter';
import { createTestHarness } from '@runproof/core/testing';

const harness = createTestHarness();
beforeEach(() => harness.reset());

const lookupVendor = {
  type: 'object',
  properties: { vendorId: { type: 'string' }, limit: { type: 'integer', minimum: 1 } },
  required: ['vendorId'],
  additionalProperties: false,
};

test('JSON Schema validation reports each problem with a path naming the field; a field the output invented only in the message', () => {
  assert.deepEqual(validateJsonSchema(lookupVendor, { limit: 0, extra: true }), {
    outcome: 'fail',
    issues: [
      { code: 'required', path: ['vendorId'], message: "must have required property 'vendorId'" },
      { code: 'additionalProperties', path: [], message: 'must NOT have additional properties: "extra"' },
      { code: 'minimum', path: ['limit'], message: 'must be >= 1' },
    ],
  });
  assert.deepEqual(validateJsonSchema(lookupVendor, { vendorId: 'v1' }), {
    outcome: 'pass',
    issues: [],
    value: { vendorId: 'v1' },
  });
});

test('keys the schema does not declare (a map validated by additionalProperties or patternProperties) are * in the path, named only in the message', () => {
  const byEmail = {
    type: 'object',
    properties: { owner: { type: 'object', additionalProperties: { type: 'integer' } } },
  };
  assert.deepEqual(validateJsonSchema(byEmail, { owner: { 'jane.doe@example.com': 'x' } }).issues, [
    { code: 'type', path: ['owner', '*'], message: 'must be integer (at ["owner","jane.doe@example.com"])' },
  ]);
  const byPattern = { type: 'object', patternProperties: { '^p_': { type: 'number' } }, additionalProperties: false };
  assert.deepEqual(validateJsonSchema(byPattern, { p_john: 'smith' }).issues, [
    { code: 'type', path: ['*'], message: 'must be number (at ["p_john"])' },
  ]);
});

test('draft-07 and 2020-12 schemas both compile; a schema rebuilt per request compiles once; a broken schema checks nothing', () => {
  const draft07 = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'array', items: { type: 'number' } };
  assert.equal(validateJsonSchema(draft07, [1, 'x']).outcome, 'fail');
  const fromZod = z.toJSONSchema(z.object({ total: z.number() }));
  assert.deepEqual(
    validateJsonSchema(fromZod, { total: 'x' }).issues.map((issue) => issue.path),
    [['total']],
  );
  assert.equal(
    validateJsonSchema(JSON.parse(JSON.stringify(fromZod)) as Record<string, unknown>, { total: 1 }).outcome,
    'pass',
  );
  assert.equal(
    jsonSchemaDigest(fromZod),
    jsonSchemaDigest(JSON.parse(JSON.stringify(fromZod)) as Record<string, unknown>),
  );
  assert.deepEqual(validateJsonSchema({ type: 'no-such-type' }, 1), { outcome: 'none', issues: [] });
});

test('a schema is compiled once per distinct schema, however many objects carry it, in a bounded cache', () => {
  // Ajv refuses to compile a second schema with an $id it holds: were an equal schema compiled again,
  // its check would not run (outcome none). Built anew for each of 50 requests, it always runs.
  const invoiceSchema = (): Record<string, unknown> => ({
    $id: 'urn:runproof-test:invoice',
    type: 'object',
    required: ['total'],
    properties: { total: { type: 'number' } },
  });
  for (let request = 0; request < 50; request += 1)
    assert.equal(validateJsonSchema(invoiceSchema(), { total: request }).outcome, 'pass');
  assert.equal(validateJsonSchema(invoiceSchema(), { total: 'x' }).outcome, 'fail');
  // 256 other schemas push it out of the cache (and out of Ajv): it compiles again, and still checks.
  for (let other = 0; other < 256; other += 1)
    validateJsonSchema({ type: 'object', properties: { [`field${other}`]: { type: 'string' } } }, {});
  assert.equal(validateJsonSchema(invoiceSchema(), { total: 'x' }).outcome, 'fail');
  assert.equal(validateJsonSchema(invoiceSchema(), { total: 1 }).outcome, 'pass');
});

test('tool-call arguments: undeclared tool, invalid JSON, schema violation, pass', () => {
  const tools = { lookup_vendor: lookupVendor, free_form: undefined };
  assert.deepEqual(
    checkToolCallArguments({ name: 'delete_vendor', arguments: '{}' }, tools).issues.map((issue) => issue.code),
    ['undeclared_tool'],
  );
  assert.deepEqual(
    checkToolCallArguments({ name: 'lookup_vendor', arguments: '{"vendorId": ' }, tools).issues.map(
      (issue) => issue.code,
    ),
    ['invalid_json'],
  );
  assert.deepEqual(
    checkToolCallArguments({ name: 'lookup_vendor', arguments: '{"vendorId": 7}' }, new Map(Object.entries(tools)))
      .issues,
    [{ code: 'type', path: ['vendorId'], message: 'must be string' }],
  );
  assert.deepEqual(checkToolCallArguments({ name: 'free_form', arguments: '' }, tools), {
    outcome: 'pass',
    issues: [],
    value: {},
  });
});

test('refusals, truncation and content filters are failures; a normal stop says nothing', () => {
  assert.deepEqual(
    classifyFinish({ finishReason: 'stop', refusal: 'I cannot help with that' })?.issues.map((issue) => issue.code),
    ['refusal'],
  );
  assert.deepEqual(
    classifyFinish({ finishReason: 'length' })?.issues.map((issue) => issue.code),
    ['truncated'],
  );
  assert.deepEqual(
    classifyFinish({ finishReason: 'max_output_tokens' })?.issues.map((issue) => issue.code),
    ['truncated'],
  );
  assert.deepEqual(
    classifyFinish({ finishReason: 'content_filter' })?.issues.map((issue) => issue.code),
    ['content_filter'],
  );
  assert.equal(classifyFinish({ finishReason: 'tool_calls', refusal: null }), undefined);
  assert.equal(checkJsonOutput(lookupVendor, 'not json').issues[0]?.code, 'invalid_json');
});

test("recordValidation puts the checkpoint's attributes, events (the failure, the evaluation result) and metric on an existing span; none sets only the outcome", async () => {
  const tracer = trace.getTracer('adapter');
  const model = tracer.startSpan('chat gpt-4o-mini');
  recordValidation(model, {
    checkpoint: 'openai.response_format',
    schemaDigest: jsonSchemaDigest(lookupVendor),
    ...checkJsonOutput(lookupVendor, '{"vendorId": 1}'),
  });
  model.end();
  const plain = tracer.startSpan('chat plain');
  recordValidation(plain, { checkpoint: 'openai.response_format', outcome: 'none' });
  plain.end();
  assert.deepEqual(harness.span('chat gpt-4o-mini').attributes, {
    'runproof.validation.outcome': 'fail',
    'runproof.validation.checkpoint': 'openai.response_format',
    'runproof.validation.issue_count': 1,
    'runproof.validation.schema.digest': jsonSchemaDigest(lookupVendor),
  });
  assert.deepEqual(
    harness.span('chat gpt-4o-mini').events.map((event) => [event.name, event.attributes]),
    [
      [
        'runproof.validation.failure',
        { 'runproof.validation.issue.codes': ['type'], 'runproof.validation.issue.paths': ['vendorId'] },
      ],
      [
        'gen_ai.evaluation.result',
        { 'gen_ai.evaluation.name': 'openai.response_format', 'gen_ai.evaluation.score.label': 'fail' },
      ],
    ],
  );
  assert.deepEqual(harness.span('chat plain').attributes, { 'runproof.validation.outcome': 'none' });
  assert.deepEqual(harness.span('chat plain').events, [], 'nothing checked, nothing judged');
  const checks = (await harness.metrics()).find((metric) => metric.descriptor.name === 'runproof.validation.checks');
  assert.deepEqual(
    checks?.dataPoints.map((point) => point.attributes),
    [{ 'runproof.validation.checkpoint': 'openai.response_format', 'runproof.validation.outcome': 'fail' }],
  );
});

test('recordValidation of a pass writes no zero issue count; given an attributes object, it fills that instead of the span', async () => {
  const tracer = trace.getTracer('adapter');
  const passed = tracer.startSpan('chat passed');
  recordValidation(passed, { checkpoint: 'response_format', ...checkJsonOutput(lookupVendor, '{"vendorId": "v-1"}') });
  passed.end();
  assert.deepEqual(harness.span('chat passed').attributes, {
    'runproof.validation.outcome': 'pass',
    'runproof.validation.checkpoint': 'response_format',
  });
  const gathered: Attributes = { 'gen_ai.response.id': 'chatcmpl-1' };
  const deferred = tracer.startSpan('chat deferred');
  recordValidation(
    deferred,
    { checkpoint: 'response_format', ...checkJsonOutput(lookupVendor, '{"vendorId": 1}') },
    { attributes: gathered },
  );
  assert.deepEqual(gathered, {
    'gen_ai.response.id': 'chatcmpl-1',
    'runproof.validation.outcome': 'fail',
    'runproof.validation.checkpoint': 'response_format',
    'runproof.validation.issue_count': 1,
  });
  deferred.end();
  const span = harness.span('chat deferred');
  assert.deepEqual(span.attributes, {}, 'the caller writes them');
  assert.deepEqual(
    span.events.map((event) => event.name),
    ['runproof.validation.failure', 'gen_ai.evaluation.result'],
  );
});

test('validateStandardSchema returns the parsed output or the issues, for adapters', async () => {
  const schema = z.object({ city: z.string().trim() });
  assert.deepEqual(await validateStandardSchema(schema, { city: ' Paris ' }), {
    outcome: 'pass',
    issues: [],
    value: { city: 'Paris' },
  });
  assert.deepEqual(
    (await validateStandardSchema(schema, {})).issues.map((issue) => issue.path),
    [['city']],
  );
});
