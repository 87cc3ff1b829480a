import assert from 'node:assert/strict';
import { createHash, sign } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';
import {
  attribute,
  pae,
  readOtlp,
  runSignedApp,
  runVerify,
  setStringAttribute,
  spansOf,
  temporaryFolder,
  writeJson,
  writeKeyPair,
  type KeyFiles,
} from './support.ts';

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

test('an envelope co-signed by the new key beside the old one verifies with either key alone', async () => {
  const document = readOtlp(files.before);
  const runSpan = spansOf(document).find((span) => span.name === 'invoke_workflow payout')!;
  const event = runSpan.events!.find((candidate) => candidate.name === 'runproof.run.attestation')!;
  const envelope = JSON.parse(String(attribute(event, 'runproof.attestation.envelope'))) as {
    payloadType: string;
    payload: string;
    signatures: { keyid: string; sig: string }[];
  };
  const newKeyId = createHash('sha256')
    .update(keys.new!.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
  const cosignature = sign(
    null,
    pae(envelope.payloadType, Buffer.from(envelope.payload, 'base64')),
    keys.new!.privateKey,
  ).toString('base64');
  setStringAttribute(
    event,
    'runproof.attestation.envelope',
    JSON.stringify({ ...envelope, signatures: [...envelope.signatures, { keyid: newKeyId, sig: cosignature }] }),
  );
  const cosigned = writeJson(join(folder, 'cosigned.json'), document);
  for (const key of [keys.old!, keys.new!]) {
    const result = await runVerify([cosigned, '--key', key.publicPath]);
    assert.equal(result.code, 0, result.stdout);
    assert.ok(
      result.stdout.includes(
        `ok    signature  valid, key ${key === keys.old ? attestationKeyId(envelope).slice(0, 16) : newKeyId.slice(0, 16)}… (${key.publicPath})`,
      ),
      result.stdout,
    );
  }
});

function attestationKeyId(envelope: { signatures: { keyid: string }[] }): string {
  return envelope.signatures[0]!.keyid;
}
