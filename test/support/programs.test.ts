import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { REQUIRE_TEST_PROGRAMS, requireProgram } from './programs.ts';

const missing = 'runproof-test-program-that-does-not-exist';
const install = 'the runproof-missing package (apt-get install runproof-missing)';
let saved: string | undefined;

beforeEach(() => {
  saved = process.env[REQUIRE_TEST_PROGRAMS];
});
afterEach(() => {
  if (saved === undefined) delete process.env[REQUIRE_TEST_PROGRAMS];
  else process.env[REQUIRE_TEST_PROGRAMS] = saved;
});

test('a program on PATH runs its tests, at its absolute path', () => {
  const node = requireProgram('node', { install: 'Node.js' });
  assert.equal(node.skip, false);
  assert.ok(isAbsolute(node.path()), node.path());
});

test('a missing program skips its tests with one line naming the package to install', () => {
  delete process.env[REQUIRE_TEST_PROGRAMS];
  const program = requireProgram(missing, { install });
  assert.equal(program.skip, `skipped: ${missing} not found — install ${install}`);
});

test('with RUNPROOF_REQUIRE_TEST_PROGRAMS=1 a missing program is a failure, never a skip', () => {
  process.env[REQUIRE_TEST_PROGRAMS] = '1';
  const program = requireProgram(missing, { install });
  assert.equal(program.skip, false);
  assert.throws(() => program.path(), {
    message: `${missing} not found on PATH, and RUNPROOF_REQUIRE_TEST_PROGRAMS=1 requires it: install ${install}`,
  });
});

test('a program a package installs off PATH is found in the folders named', () => {
  const folder = mkdtempSync(join(tmpdir(), 'runproof-programs-'));
  try {
    writeFileSync(join(folder, missing), '#!/bin/sh\n', { mode: 0o755 });
    const program = requireProgram(missing, { install, folders: [folder] });
    assert.equal(program.skip, false);
    assert.equal(program.path(), join(folder, missing));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
