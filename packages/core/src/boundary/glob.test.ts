import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesGlob } from '@runproof/core';

test('globs match * and ? and nothing else specially', () => {
  assert.equal(matchesGlob('gpt-4o*', 'gpt-4o-mini-2024-07-18'), true);
  assert.equal(matchesGlob('gpt-4o*', 'gpt-4.1'), false);
  assert.equal(matchesGlob('gpt-4.?', 'gpt-4.1'), true);
  assert.equal(matchesGlob('gpt-4.?', 'gpt-4x1'), false, 'a dot is literal');
  assert.equal(matchesGlob('o(1)+', 'o(1)+'), true, 'regular expression characters are literal');
  assert.equal(matchesGlob('gpt-4o', 'gpt-4o-mini'), false, 'a name without wildcards matches exactly');
});
