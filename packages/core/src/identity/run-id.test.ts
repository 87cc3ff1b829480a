import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRunId, timeFields } from './run-id.ts';

test('a run id is a UUIDv7 whose first 48 bits are the time it was made, in milliseconds', () => {
  const before = Date.now();
  const id = createRunId();
  const after = Date.now();
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const time = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  assert.ok(time >= before && time <= after, `${time} is not within ${before}…${after}`);
});

test('the time fields are the low 48 bits of the time in hex, zero-padded, split 8-4', () => {
  for (const milliseconds of [0, 1, 0xffffff, 0x1000000, 1_765_000_000_000, 2 ** 48 - 1, 2 ** 48 + 5]) {
    const hex = milliseconds.toString(16).padStart(12, '0').slice(-12);
    assert.equal(timeFields(milliseconds), `${hex.slice(0, 8)}-${hex.slice(8, 12)}`, String(milliseconds));
  }
});

test('run ids are distinct past the random pool refill, with RFC 9562 version and variant bits', () => {
  const ids = new Set<string>();
  for (let index = 0; index < 1_000; index += 1) {
    const id = createRunId();
    assert.equal(id[14], '7');
    assert.match(id[19]!, /[89ab]/);
    ids.add(id);
  }
  assert.equal(ids.size, 1_000);
});
