import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalize, digest } from '@runproof/core';

test('sorts members by UTF-16 code units and drops insignificant white space', () => {
  // Vector from RFC 8785 section 3.2.3: sorting by code units, not code points or locale.
  const value = {
    '\u20ac': 'Euro Sign',
    '\r': 'Carriage Return',
    '\ufb33': 'Hebrew Letter Dalet With Dagesh',
    '1': 'One',
    '\ud83d\ude00': 'Emoji: Grinning Face',
    '\u0080': 'Control',
    '\u00f6': 'Latin Small Letter O With Diaeresis',
  };
  assert.equal(
    canonicalize(value),
    '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
  );
});

test('serializes numbers as ECMAScript does (RFC 8785 section 3.2.2.3)', () => {
  assert.equal(
    // eslint-disable-next-line no-loss-of-precision -- RFC 8785's vector: this literal rounds to the double the expected text shows
    canonicalize([1e21, 1e-7, 0.1, -0, 333333333.33333329, 4.5, 2e-3]),
    '[1e+21,1e-7,0.1,0,333333333.3333333,4.5,0.002]',
  );
});

test('nested structures and undefined members', () => {
  assert.equal(
    canonicalize({ b: [1, { d: undefined, c: 'x' }], a: null, z: undefined }),
    '{"a":null,"b":[1,{"c":"x"}]}',
  );
});

test('rejects values JSON cannot represent, naming the path', () => {
  assert.throws(() => canonicalize({ params: { temperature: Number.NaN } }), /NaN at \$\.params\.temperature/);
  assert.throws(() => canonicalize({ f: () => 1 }), /function at \$\.f/);
});

test('digest is the SHA-256 of the canonical text, independent of member order', () => {
  assert.equal(digest({ a: 1, b: 2 }), digest({ b: 2, a: 1 }));
  assert.equal(digest({}), '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
});
