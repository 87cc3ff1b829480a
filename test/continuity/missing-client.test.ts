// Each store's client is an optional peer dependency: without it, a store of that kind fails with a
// ConfigError saying what to install, when first used; the other kinds work as before.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';

const app = fileURLToPath(new URL('./apps/first-claim.ts', import.meta.url));
const hide = fileURLToPath(new URL('./apps/hide-package.mjs', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'runproof-missing-client-'));
after(() => rmSync(folder, { recursive: true, force: true }));

async function firstClaim(url: string, hidden: string): Promise<unknown> {
  const result = await runApp(app, { args: ['--import', hide], scriptArgs: [url], env: { HIDE_PACKAGES: hidden } });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

for (const [kind, name, url] of [
  ['PostgreSQL', 'pg', 'postgres://runproof:hunter2@127.0.0.1:1/runs'],
  ['Redis', 'redis', 'redis://:hunter2@127.0.0.1:1/0'],
] as const) {
  test(`without the ${name} package, a ${kind} store is a ConfigError naming what to install`, async () => {
    assert.deepEqual(await firstClaim(url, name), {
      name: 'ConfigError',
      code: 'RUNPROOF_INVALID_CONFIG',
      issues: [
        {
          code: 'missing_store_client',
          path: ['store'],
          message: `a ${kind} store needs the ${name} package (npm install ${name}); loading it failed: Cannot find package '${name}' imported from ${new URL(`../../packages/core/src/continuity/${name === 'pg' ? 'postgres' : 'redis'}-store.ts`, import.meta.url).href}`,
        },
      ],
    });
  });
}

test('without pg and redis, a SQLite store works', async () => {
  assert.deepEqual(await firstClaim(`sqlite:${join(folder, 'runs.db')}`, 'pg,redis'), { claim: 'claimed' });
});
