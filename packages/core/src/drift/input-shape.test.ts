import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareFields, fieldsOf, inputShapeOf } from './input-shape.ts';

test('an input is described by its keys and JSON types, never its values', () => {
  const customer = {
    id: 'C-1042',
    name: 'ACME GmbH',
    vat: null,
    active: true,
    credit: 12_000,
    since: new Date(0),
    tags: ['b2b'],
    contacts: [{ email: 'ap@acme.test', phone: undefined }],
    notes: undefined,
    send: () => {},
  };
  assert.deepEqual(inputShapeOf(customer), {
    id: 'string',
    name: 'string',
    vat: 'null',
    active: 'boolean',
    credit: 'number',
    since: 'string',
    tags: ['string'],
    contacts: [{ email: 'string' }],
  });
  assert.deepEqual(inputShapeOf([]), []);
  assert.equal(inputShapeOf('text'), 'string');
  assert.equal(inputShapeOf(10n), 'bigint');
});

test('depth and size are bounded: what lies past the bounds is "…"', () => {
  let deep: unknown = 'leaf';
  for (let level = 0; level < 20; level++) deep = { next: deep };
  let shape = inputShapeOf(deep);
  let levels = 0;
  while (typeof shape === 'object' && shape !== null) {
    shape = (shape as { next: unknown }).next;
    levels += 1;
  }
  assert.deepEqual([levels, shape], [12, '…']);
  // 2 000 members in all: 1 000 keys with their one nested member each, then "…".
  const wide = Object.fromEntries(Array.from({ length: 3_000 }, (_, index) => [`k${index}`, { value: index }]));
  const described = inputShapeOf(wide) as Record<string, unknown>;
  assert.deepEqual(Object.keys(described).slice(-2), ['k999', '…']);
  assert.equal(Object.keys(described).length, 1_001);
  assert.deepEqual([described.k0, described['…']], [{ value: 'number' }, '…']);
});

test('an input of half a million plain fields is described by its first 2 000 and "…": what is digested and kept stays small', () => {
  const wide: Record<string, string> = {};
  for (let index = 0; index < 500_000; index++) wide[`field${index}`] = 'value';
  const described = inputShapeOf(wide) as Record<string, unknown>;
  assert.equal(Object.keys(described).length, 2_001);
  assert.deepEqual(Object.entries(described).slice(-2), [
    ['field1999', 'string'],
    ['…', '…'],
  ]);
  const inArray = (inputShapeOf([wide]) as Record<string, unknown>[])[0]!;
  assert.equal(Object.keys(inArray).length, 2_000, 'the array element is a member too: 1 999 fields, then "…"');
});

test('fields gained and lost name their paths and types', () => {
  const before = inputShapeOf({ customer: { tax_id: 'DE1', name: 'ACME' }, lines: [{ sku: 'P-1', amount: 10 }] });
  const after = inputShapeOf({ customer: { vat_id: 'DE1', name: 'ACME' }, lines: [{ sku: 'P-1', amount: '10.00' }] });
  assert.deepEqual(fieldsOf(before), [
    'customer (object)',
    'customer.tax_id (string)',
    'customer.name (string)',
    'lines (array)',
    'lines[] (object)',
    'lines[].sku (string)',
    'lines[].amount (number)',
  ]);
  assert.deepEqual(compareFields(before, after), {
    added: ['customer.vat_id (string)', 'lines[].amount (string)'],
    removed: ['customer.tax_id (string)', 'lines[].amount (number)'],
  });
});

test("bytes are described as binary, never byte by byte: a 50 MB file in a step's input costs nothing more", () => {
  const upload = {
    name: 'scan.pdf',
    file: Buffer.alloc(50 * 1024 * 1024),
    pixels: new Uint8Array(1024),
    raw: new ArrayBuffer(8),
  };
  const before = process.memoryUsage().rss;
  assert.deepEqual(inputShapeOf(upload), { name: 'string', file: 'binary', pixels: 'binary', raw: 'binary' });
  // Through Buffer's toJSON the shape was {type, data: [number]}, after an array of 52 million numbers.
  assert.ok(process.memoryUsage().rss - before < 100 * 1024 * 1024);
});
