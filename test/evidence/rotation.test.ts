import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';
import { runSignedApp, runVerify, temporaryFolder, writeKeyPair, type KeyFiles } from './support.ts';

// Key rotation as docs/evidence.md describes it: runs signed before and after the switch verify
// together when both public keys are trusted; trusting only the old key names the new one unknown.
const folder = temporaryFolder('rotation');
let simulator: Simulator;
const keys: { old?: KeyFiles; new?: KeyFiles } = {};
const files = { before: join(folder, 'before.json'), after: join(folder, 'after.json') };

before(async () => {
  simulator = await startSimulator({ chunkDelayMs: 0 });
  keys.old = writeKeyPair(folder, 'old');
  keys.new = writeKeyPair(folder, 'new');
  for (const [key, traceFile, id] of [
    [keys.old, files.before, 'payout-before'],
    [keys.new, files.after, 'payout-after'],
  ] as const) {
    const result = await runSignedApp({
      simulator,
      key: key.privatePath,
      traceFile,
      scenario: 'crash',
      env: { RUNPROOF_STORE: `sqlite:${join(folder, 'runs.db')}`, PAYOUT_ID: id },
    });
    assert.equal(result.code, 0, result.stderr);
  }
});
after(() => simulator.close());

test('runs signed with the old key and with the new one verify together when both are trusted', async () => {
  const result = await runVerify([
    files.before,
    files.after,
    '--key',
    keys.old!.publicPath,
    '--key',
    keys.new!.publicPath,
  ]);
  assert.equal(result.code, 0, result.stdout);
  assert.match(result.stdout, /^2 runs: 2 verified, 0 failed$/m);
  assert.ok(
    result.stdout.includes(`(${keys.old!.publicPath})`) && result.stdout.includes(`(${keys.new!.publicPath})`),
    'each run names the key that signed it',
  );
});

test('trusting only the old key, the runs signed after the switch are named as signed by an unknown key', async () => {
  const result = await runVerify([files.before, files.after, '--key', keys.old!.publicPath]);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /^2 runs: 1 verified, 1 failed — NOT VERIFIED$/m);
  assert.match(result.stdout, /- unknown key: signed by key [0-9a-f]{64}, which is none of the keys given/);
});
