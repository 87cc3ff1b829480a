import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capBytes } from '@runproof/core/adapter';
import { toParts, toToolCallPart } from './content.ts';

test('capBytes cuts on a character boundary, within the byte limit', () => {
  assert.equal(capBytes('hello', 16), 'hello');
  assert.equal(capBytes('héllo', 2), 'h');
  assert.equal(capBytes('h€llo', 4), 'h€');
  assert.equal(capBytes('😀😀', 5), '😀');
});

test('message content becomes GenAI parts', () => {
  assert.deepEqual(toParts('hi'), [{ type: 'text', content: 'hi' }]);
  assert.deepEqual(
    toParts([
      { type: 'text', text: 'look' },
      { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
    ]),
    [
      { type: 'text', content: 'look' },
      { type: 'uri', modality: 'image', uri: 'https://example.com/a.png' },
    ],
  );
  assert.deepEqual(toParts([{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }]), [
    { type: 'blob', modality: 'image', mime_type: 'image/png', content: 'AAAA' },
  ]);
  assert.deepEqual(toToolCallPart('call_1', 'f', '{"a":1}'), {
    type: 'tool_call',
    id: 'call_1',
    name: 'f',
    arguments: { a: 1 },
  });
});
