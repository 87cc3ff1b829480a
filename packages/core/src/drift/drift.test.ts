import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, test } from 'node:test';
import { trace } from '@opentelemetry/api';
import { detectDrift } from '@runproof/core/adapter';
import { createTestHarness } from '@runproof/core/testing';
import type { Durability } from '../continuity/durability.ts';
import { openStore } from '../continuity/open-store.ts';
import { judgeDrift } from './drift.ts';
import { SharedBaselines } from './shared-baselines.ts';

const harness = createTestHarness();
beforeEach(() => harness.reset());

function observe(name: string, fingerprint: string, observed: Parameters<typeof detectDrift>[2]): boolean {
  const span = trace.getTracer('test').startSpan(name);
  const drifted = detectDrift(span, fingerprint, observed);
  span.end();
  return drifted;
}

/** The ISO time a baseline was first seen, checked to lie between two instants. */
function firstSeenBetween(iso: unknown, from: number, to: number): string {
  assert.ok(typeof iso === 'string', String(iso));
  const time = Date.parse(iso);
  assert.ok(
    new Date(time).toISOString() === iso && time >= from && time <= to,
    `${String(iso)} between ${from} and ${to}`,
  );
  return iso;
}

test("without a store, the same call conditions answered by a new snapshot and backend are drift against this process's baseline, reported once per change", async () => {
  const conditions = 'a'.repeat(64);
  const before = Date.now();
  assert.equal(
    observe('first', conditions, {
      resolvedModel: 'gpt-4o-mini-2024-07-18',
      systemFingerprint: 'fp_1',
      outputShape: 's1',
    }),
    false,
  );
  const after = Date.now();
  assert.equal(
    observe('same', conditions, {
      resolvedModel: 'gpt-4o-mini-2024-07-18',
      systemFingerprint: 'fp_1',
      outputShape: 's1',
    }),
    false,
  );
  assert.equal(
    observe('changed', conditions, {
      resolvedModel: 'gpt-4o-mini-2025-07-18',
      systemFingerprint: 'fp_2',
      outputShape: 's1',
    }),
    true,
  );
  assert.equal(
    observe('after', conditions, {
      resolvedModel: 'gpt-4o-mini-2025-07-18',
      systemFingerprint: 'fp_2',
      outputShape: 's1',
    }),
    false,
  );

  const changed = harness.span('changed');
  assert.equal(changed.attributes['runproof.drift.detected'], true);
  const firstSeen = firstSeenBetween(
    changed.events[0]?.attributes?.['runproof.drift.baseline_first_seen'],
    before,
    after,
  );
  assert.deepEqual(
    changed.events.map((event) => [event.name, event.attributes]),
    [
      [
        'runproof.drift',
        {
          'runproof.drift.kind': 'resolved_model',
          'runproof.drift.baseline': 'gpt-4o-mini-2024-07-18',
          'runproof.drift.observed': 'gpt-4o-mini-2025-07-18',
          'runproof.drift.baseline_first_seen': firstSeen,
          'runproof.drift.baseline_source': 'process',
        },
      ],
      [
        'runproof.drift',
        {
          'runproof.drift.kind': 'system_fingerprint',
          'runproof.drift.baseline': 'fp_1',
          'runproof.drift.observed': 'fp_2',
          'runproof.drift.baseline_first_seen': firstSeen,
          'runproof.drift.baseline_source': 'process',
        },
      ],
    ],
  );
  for (const name of ['first', 'same', 'after'])
    assert.equal(harness.span(name).attributes['runproof.drift.detected'], undefined, name);
  const metric = (await harness.metrics()).find((candidate) => candidate.descriptor.name === 'runproof.drift.events');
  assert.deepEqual(metric?.dataPoints.map((point) => [point.attributes['runproof.drift.kind'], point.value]).sort(), [
    ['resolved_model', 1],
    ['system_fingerprint', 1],
  ]);
});

test('without a store, a value coming back is drift again: a flapping upstream shows as flapping', () => {
  const conditions = 'e'.repeat(64);
  observe('a', conditions, { resolvedModel: 'm-1' });
  assert.equal(observe('b', conditions, { resolvedModel: 'm-2' }), true);
  assert.equal(observe('a again', conditions, { resolvedModel: 'm-1' }), true);
  assert.deepEqual(
    harness
      .span('a again')
      .events.map((event) => [
        event.attributes?.['runproof.drift.baseline'],
        event.attributes?.['runproof.drift.observed'],
      ]),
    [['m-2', 'm-1']],
  );
});

test('different call conditions never compare with each other', () => {
  assert.equal(observe('one', 'b'.repeat(64), { resolvedModel: 'gpt-4o-2024-08-06' }), false);
  assert.equal(observe('two', 'c'.repeat(64), { resolvedModel: 'gpt-4.1-2025-04-14' }), false);
});

test('an output of another structure for the same conditions is output_shape drift', () => {
  const conditions = 'd'.repeat(64);
  observe('baseline', conditions, { outputShape: 'shape-text' });
  assert.equal(observe('tools now', conditions, { outputShape: 'shape-tool-calls' }), true);
  assert.equal(harness.span('tools now').events[0]?.attributes?.['runproof.drift.kind'], 'output_shape');
});

test('without a store, busy call conditions keep their baseline while thousands of others come and go', () => {
  const other = (prefix: string, index: number) => {
    const span = trace.getTracer('test').startSpan('other');
    detectDrift(span, `${prefix}${index.toString(16)}`.padStart(64, '0'), { resolvedModel: 'gpt-4.1-2025-04-14' });
    span.end();
  };
  // A full memory of other conditions (it remembers 2 048), then the busy ones...
  for (let index = 0; index < 2_048; index++) other('a', index);
  const busy = 'f'.repeat(64);
  observe('busy', busy, { resolvedModel: 'gpt-4o-mini-2024-07-18' });
  // ...called every 100th while as many new conditions come.
  for (let index = 0; index < 2_048; index++) {
    other('b', index);
    if (index % 100 === 0) observe('busy', busy, { resolvedModel: 'gpt-4o-mini-2024-07-18' });
  }
  assert.equal(observe('busy changed', busy, { resolvedModel: 'gpt-4o-mini-2025-07-18' }), true);
  assert.equal(
    harness.span('busy changed').events[0]?.attributes?.['runproof.drift.baseline'],
    'gpt-4o-mini-2024-07-18',
  );
});

test('with a store, a model name cut inside an emoji, or sent with a lone surrogate, is never drift against itself', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'runproof-drift-'));
  after(() => rmSync(folder, { recursive: true, force: true }));
  const store = await openStore(`sqlite:${join(folder, 'runs.db')}`);
  const durability: Durability = {
    leaseMs: 30_000,
    retentionMs: 60_000,
    codec: { maxResultBytes: 1024 },
    storeName: 'sqlite:runs.db',
    storeKind: 'sqlite',
    configured: true,
    store: () => Promise.resolve(store),
    close: () => store.close(),
  };
  const shared = new SharedBaselines(durability);
  await shared.preload();
  const judge = (name: string, subject: string, model: string) => {
    const span = trace.getTracer('test').startSpan(name);
    const drifted = judgeDrift(span, subject, { kind: 'resolved_model', value: model }, Date.now(), shared);
    span.end();
    return drifted;
  };
  // Values are kept up to 256 characters: this one is cut between the halves of the emoji.
  const long = `${'m'.repeat(255)}\u{1F600}-preview`;
  const lone = 'gpt-4o-mini-\uD800';
  assert.deepEqual([judge('long', '1'.repeat(64), long), judge('lone', '2'.repeat(64), lone)], [false, false]);
  await shared.flush();
  assert.deepEqual(
    [judge('long again', '1'.repeat(64), long), judge('lone again', '2'.repeat(64), lone)],
    [false, false],
    'the store keeps U+FFFD for the lone half: compared with what it keeps',
  );
  for (const name of ['long again', 'lone again']) assert.deepEqual(harness.span(name).events, [], name);
  await store.close();
});

test('without a store, a value kept cut or cleaned (over 256 characters, U+0000, a lone surrogate) is never drift against itself', () => {
  const conditions = '3'.repeat(64);
  const observed = {
    resolvedModel: `${'m'.repeat(255)}\u{1F600}-preview`,
    systemFingerprint: 'fp_\u0000',
    outputShape: 'shape-\uD800',
  };
  assert.deepEqual(
    ['first', 'second', 'third'].map((name) => observe(name, conditions, { ...observed })),
    [false, false, false],
  );
  for (const name of ['first', 'second', 'third']) assert.deepEqual(harness.span(name).events, [], name);
});
