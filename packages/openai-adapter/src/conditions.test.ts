import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import { digest } from '@runproof/core';
import {
  digestByIdentity,
  digestInstructions,
  digestSentBody,
  digestShape,
  digestTemplate,
  pickParameters,
  shapeOf,
  shapeOfJsonText,
} from './conditions.ts';

test('the shape of a value keeps keys and JSON types, never values, and not array lengths', () => {
  assert.deepEqual(shapeOf({ city: 'Paris', days: [1, 2, 3], exact: true, note: null, nested: { at: 1.5 } }), {
    city: 'string',
    days: ['number'],
    exact: 'boolean',
    note: 'null',
    nested: { at: 'number' },
  });
  assert.deepEqual(shapeOf([]), []);
});

test('the shape of JSON text is the shape of what it encodes, or invalid_json', () => {
  assert.deepEqual(shapeOfJsonText('{"city":"Paris"}'), { city: 'string' });
  assert.equal(shapeOfJsonText('{"city":'), 'invalid_json');
});

test('the input digest is SHA-256 of the body sent, 128 bits; the output shape SHA-256 of its canonical JSON, 64 bits', () => {
  const body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Grüße"}]}';
  assert.equal(digestSentBody(body), createHash('sha256').update(Buffer.from(body, 'utf8')).digest('hex').slice(0, 32));
  assert.equal(digestShape('text'), digest('text').slice(0, 16));
  assert.equal(
    digestShape({ json: { b: 'string', a: 'number' } }),
    digest({ json: { a: 'number', b: 'string' } }).slice(0, 16),
    'canonical: member order does not count',
  );
});

test('digests of declared conditions are core digests of the documented values', () => {
  assert.equal(digestInstructions(['Be brief.']), digest(['Be brief.']));
  assert.equal(digestInstructions([]), undefined);
  assert.equal(digestTemplate(['system', 'user']), digest(['system', 'user']));
  const tools = [{ type: 'function', function: { name: 'f' } }];
  assert.equal(digestByIdentity(tools), digest(tools));
  assert.equal(digestByIdentity(tools), digest(tools), 'cached by identity');
});

test('a value that is not plain JSON still gets a digest', () => {
  assert.match(digestByIdentity([{ name: 'f', parse: () => 1, limit: Number.NaN }])!, /^[0-9a-f]{64}$/);
});

test('parameters keep only the members that are set', () => {
  assert.deepEqual(
    pickParameters({ temperature: 0, top_p: null, seed: undefined, n: 2 }, ['temperature', 'top_p', 'seed', 'n']),
    { temperature: 0, n: 2 },
  );
  assert.equal(pickParameters({}, ['temperature']), undefined);
});
