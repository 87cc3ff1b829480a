import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalize, sha256 } from '../identity/canonical-json.ts';
import type { RunManifest } from '../identity/manifest.ts';
import { attributeDigest, normalizeAttributeValue } from './span-digest.ts';
import { createStatement, entryDigest, serializeStatement, type RunPredicate } from './statement.ts';

// What is signed is RFC 8785 JSON of the statement, written out by hand for speed: it must be
// byte for byte what the generic canonicalization makes of the same value.
const manifest: RunManifest = {
  manifestVersion: 1,
  runId: 'invoice-\u00e9-42',
  attempt: 2,
  continuation: 'retry',
  fingerprint: 'a'.repeat(64),
  observedDigest: 'b'.repeat(64),
  declared: {
    run: 'invoice-triage',
    code: { version: null },
    runproof: '0.1.0',
    policy: null,
    conditions: { prompt: 'triage "v3"', z: [1, 2.5] },
    calls: [{ provider: 'openai', operation: 'chat', target: 'gpt-4o-mini', parameters: { temperature: 0 } }],
  },
  observed: { resolvedModels: ['gpt-4o-mini-2024-07-18'], systemFingerprints: [], toolsCalled: ['lookup_vendor'] },
};
const predicate: RunPredicate = {
  manifest,
  run: {
    traceId: 'f'.repeat(32),
    spanId: '1'.repeat(16),
    parentId: null,
    name: 'invoke_workflow invoice-triage',
    status: 'error',
    digest: 'c'.repeat(64),
    service: null,
  },
  previousAttempt: { attempt: 1, traceId: 'e'.repeat(32), spanId: '2'.repeat(16), ended: false },
  ledger: {
    spans: [
      {
        spanId: '3'.repeat(16),
        parentId: '1'.repeat(16),
        name: 'step "extract" \u2028',
        status: 'unset',
        digest: 'd'.repeat(64),
      },
      { spanId: '4'.repeat(16), parentId: null, name: 'chat gpt-4o-mini', status: 'ok', digest: '0'.repeat(64) },
    ],
    overflow: { count: 3, digest: '9'.repeat(64) },
  },
};

test('the signed statement is the RFC 8785 JSON of the statement, with and without an overflow, spans still open and a previous attempt', () => {
  const manifestJson = canonicalize(manifest);
  for (const variant of [
    predicate,
    {
      ...predicate,
      previousAttempt: null,
      ledger: { spans: [] },
      run: { ...predicate.run, service: 'svc', parentId: '5'.repeat(16) },
    },
    { ...predicate, ledger: { ...predicate.ledger, open: ['6'.repeat(16), '7'.repeat(16)] } },
  ]) {
    const statement = createStatement(manifestJson, variant);
    assert.equal(serializeStatement(statement, manifestJson), canonicalize(statement));
    assert.equal(statement.subject[0].digest.sha256, sha256(manifestJson));
  }
});

test("a ledger entry's digest is the SHA-256 of its RFC 8785 JSON", () => {
  for (const entry of predicate.ledger.spans) assert.equal(entryDigest(entry), sha256(canonicalize(entry)));
});

test("a span's digest covers its Runproof and GenAI conventions' attributes and events in their normalized form, and nothing else", () => {
  const attributes = {
    'runproof.run.id': 'r',
    'runproof.run.attempt': 1,
    'gen_ai.response.finish_reasons': ['stop'],
    'gen_ai.usage.input_tokens': 25,
    'error.type': 'RUNPROOF_BOUNDARY_HALT',
    'server.address': 'api.openai.com',
    'server.port': 443,
    'openai.response.system_fingerprint': 'fp_1',
    'http.method': 'POST',
    'server.socket.address': '10.0.0.1',
    'runproof.evidence.status': 'signed',
  };
  const events = [
    { name: 'runproof.drift', attributes: { 'runproof.drift.kind': 'resolved_model' } },
    { name: 'exception', attributes: { 'exception.message': 'x' } },
    { name: 'runproof.run.manifest', attributes: { 'runproof.manifest': '{}' } },
    { name: 'runproof.boundary.violation', attributes: { 'runproof.boundary.limit': 3 } },
  ];
  const expected = sha256(
    canonicalize({
      attributes: {
        'error.type': 'RUNPROOF_BOUNDARY_HALT',
        'gen_ai.response.finish_reasons': '["stop"]',
        'gen_ai.usage.input_tokens': '25',
        'openai.response.system_fingerprint': 'fp_1',
        'runproof.run.attempt': '1',
        'runproof.run.id': 'r',
        'server.address': 'api.openai.com',
        'server.port': '443',
      },
      events: [
        { attributes: { 'runproof.boundary.limit': '3' }, name: 'runproof.boundary.violation' },
        { attributes: { 'runproof.drift.kind': 'resolved_model' }, name: 'runproof.drift' },
      ],
    }),
  );
  assert.equal(attributeDigest(attributes, events), expected);
  assert.equal(attributeDigest(attributes, [...events].reverse()), expected, 'events in any order');
  assert.equal(
    attributeDigest(
      {
        ...attributes,
        'gen_ai.response.finish_reasons': '["stop"]',
        'gen_ai.usage.input_tokens': '25',
        'http.method': 'GET',
      },
      events,
    ),
    expected,
    'as Jaeger gives them back',
  );
  assert.notEqual(attributeDigest({ ...attributes, 'runproof.run.id': 's' }, events), expected);
  const { 'runproof.run.attempt': attempt, ...notRunSpan } = attributes;
  assert.equal(attempt, 1);
  assert.notEqual(
    attributeDigest(notRunSpan, events),
    attributeDigest(
      notRunSpan,
      events.filter((event) => event.name !== 'runproof.run.manifest'),
    ),
    'a manifest event on a span other than a run span is covered',
  );
});

test('attribute values keep one text form through OTLP and Jaeger', () => {
  assert.deepEqual(
    [
      normalizeAttributeValue(['a', 'b']),
      normalizeAttributeValue('["a", "b"]'),
      normalizeAttributeValue(0.7),
      normalizeAttributeValue(true),
      normalizeAttributeValue('12345678901234567890'),
      normalizeAttributeValue('[not json'),
      normalizeAttributeValue(null),
    ],
    ['["a","b"]', '["a","b"]', '0.7', 'true', '12345678901234567890', '[not json', undefined],
  );
});

test('a lone surrogate reads as U+FFFD and a number JSON cannot hold as NaN, as UTF-8 and JSON exporters leave them', () => {
  assert.deepEqual(
    [
      normalizeAttributeValue('cut \ud83d'),
      normalizeAttributeValue('cut \ufffd'),
      normalizeAttributeValue('whole \u{1F600}'),
      normalizeAttributeValue(['cut \ud83d']),
      normalizeAttributeValue('["cut \ufffd"]'),
      normalizeAttributeValue(NaN),
      normalizeAttributeValue(-Infinity),
      normalizeAttributeValue([1, NaN]),
    ],
    ['cut \ufffd', 'cut \ufffd', 'whole \u{1F600}', '["cut \ufffd"]', '["cut \ufffd"]', 'NaN', 'NaN', '[1,null]'],
  );
});
