import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BASELINE_RULE, nextBaseline, type SeenValue } from './baseline-rule.ts';

const MINUTE = 60_000;
const seen = (value: string, firstSeen: number, lastSeen: number, count: number): SeenValue => ({
  value,
  firstSeen,
  lastSeen,
  count,
});

test('the rule in force: 10 calls over 10 minutes, the old value unseen for those 10 minutes', () => {
  assert.deepEqual(BASELINE_RULE, { calls: 10, millis: 10 * MINUTE });
});

test('a provider that moved an alias for good: the new snapshot becomes the baseline once seen 10 times over 10 minutes', () => {
  const old = seen('gpt-4o-mini-2024-07-18', 0, 60 * MINUTE, 500);
  assert.equal(
    nextBaseline([old, seen('gpt-4o-mini-2025-07-18', 61 * MINUTE, 70 * MINUTE, 200)], old.value),
    undefined,
    'seen for 9 minutes only',
  );
  assert.equal(
    nextBaseline([old, seen('gpt-4o-mini-2025-07-18', 61 * MINUTE, 71 * MINUTE, 9)], old.value),
    undefined,
    'seen 9 times only',
  );
  assert.equal(
    nextBaseline([old, seen('gpt-4o-mini-2025-07-18', 61 * MINUTE, 71 * MINUTE, 10)], old.value),
    'gpt-4o-mini-2025-07-18',
  );
});

test('a flapping upstream never settles: the old value seen within the last 10 minutes keeps the baseline', () => {
  const old = seen('fp_1', 0, 65 * MINUTE, 500);
  assert.equal(nextBaseline([old, seen('fp_2', 40 * MINUTE, 70 * MINUTE, 300)], old.value), undefined);
  // Once the old value has been gone for 10 minutes, the newer settles.
  assert.equal(nextBaseline([old, seen('fp_2', 40 * MINUTE, 75 * MINUTE, 300)], old.value), 'fp_2');
});

test('of two newer values, only one that outlasted every other by 10 minutes settles', () => {
  const old = seen('s-1', 0, 10 * MINUTE, 50);
  const second = seen('s-2', 20 * MINUTE, 40 * MINUTE, 50);
  const third = seen('s-3', 30 * MINUTE, 45 * MINUTE, 50);
  assert.equal(nextBaseline([old, second, third], old.value), undefined, 's-2 was seen 5 minutes before s-3 last was');
  assert.equal(nextBaseline([old, second, seen('s-3', 30 * MINUTE, 50 * MINUTE, 50)], old.value), 's-3');
});

test('a rule can be given', () => {
  const old = seen('a', 0, 1_000, 5);
  assert.equal(nextBaseline([old, seen('b', 2_000, 3_000, 2)], 'a', { calls: 2, millis: 1_000 }), 'b');
});
