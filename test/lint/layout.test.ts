import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findCycles, findLayerViolations, readImportGraph } from './import-graph.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const coreSrc = join(root, 'packages/core/src');

/**
 * Core's concept folders, lowest first: each may import its own folder and those before it, never
 * one after it (packages/core/src/README.md says what each owns). `root` is the files directly in
 * src that everything shares (semconv, errors, safely, settings, version) and `internal/`.
 */
const CORE_LAYERS = [
  'root',
  'telemetry',
  'identity',
  'boundary',
  'continuity',
  'drift',
  'run',
  'validation',
  'evidence',
  'setup',
];
/** The files behind the package's `exports` and `bin`: they may import anything, and nothing imports them. */
const CORE_ENTRY_POINTS = ['index.ts', 'adapter-kit.ts', 'semconv.ts', 'register.ts', 'testing.ts', 'cli.ts'].filter(
  (file) => file !== 'semconv.ts',
);

test('core: no import goes from a lower layer to a higher one', () => {
  assert.deepEqual(findLayerViolations(readImportGraph(coreSrc), CORE_LAYERS, CORE_ENTRY_POINTS), []);
});

test('core: the layer check reports an import added against the order', () => {
  const graph = readImportGraph(coreSrc);
  graph.get('telemetry/content.ts')!.add('run/run.ts');
  assert.deepEqual(findLayerViolations(graph, CORE_LAYERS, CORE_ENTRY_POINTS), [
    'telemetry/content.ts (telemetry) → run/run.ts (run)',
  ]);
});

for (const name of ['core', 'openai-adapter', 'langchain-adapter']) {
  test(`${name}: no import circles between source files`, () => {
    assert.deepEqual(findCycles(readImportGraph(join(root, 'packages', name, 'src'))), []);
  });
}

test('the circle check reports an import that closes a circle', () => {
  const graph = readImportGraph(coreSrc);
  graph.get('safely.ts')!.add('run/run.ts');
  const cycles = findCycles(graph);
  assert.ok(
    cycles.length > 0 && cycles.every((cycle) => cycle.includes('safely.ts') && cycle.includes('run/run.ts')),
    cycles.join('\n'),
  );
});
