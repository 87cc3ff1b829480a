import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as semconv from '@runproof/core/semconv';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TELEMETRY_NAME = /(['"`])((?:gen_ai|runproof|openai|server|error|service|telemetry)\.[a-z_][a-z0-9_.]*)\1/g;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')
      ? [path]
      : [];
  });
}

test('no package source spells a telemetry name outside the semconv module', () => {
  const offenders: string[] = [];
  for (const name of readdirSync(join(root, 'packages'))) {
    for (const file of sourceFiles(join(root, 'packages', name, 'src'))) {
      if (file.endsWith(join('core', 'src', 'semconv.ts'))) continue;
      // Comments included: they name the constant, so a rename cannot leave a stale name behind.
      for (const match of readFileSync(file, 'utf8').matchAll(TELEMETRY_NAME))
        offenders.push(`${relative(root, file)}: ${match[2]}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('every telemetry name in the semconv module is documented', () => {
  const documentation = readFileSync(join(root, 'docs/semantic-conventions.md'), 'utf8');
  const names = Object.entries(semconv)
    .filter(
      ([key, value]) =>
        (key.startsWith('ATTR_') || key.startsWith('EVENT_') || key.startsWith('METRIC_')) && typeof value === 'string',
    )
    .map(([, value]) => value as string);
  assert.ok(names.length > 80, 'the module exports the names');
  assert.deepEqual(
    names.filter((name) => !documentation.includes(`\`${name}\``)),
    [],
  );
});
