import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, resolveConfig, type StartOptions } from '@runproof/core';
import { runApp } from '../support/app.ts';
import { requireProgram } from '../support/programs.ts';
import { CLI, temporaryFolder, writeKeyPair } from './support.ts';

// Key problems are found at start, named by field, and say what the key is instead of what
// OpenSSL could not do with it.
const folder = temporaryFolder('keys');
const good = writeKeyPair(folder, 'good');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const files = {
  rsa: write('rsa.pem', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' })),
  ec: write('ec.pem', ec.privateKey.export({ type: 'sec1', format: 'pem' })),
};
const sshKeygen = requireProgram('ssh-keygen', {
  install: "Debian's openssh-client package (apt-get install openssh-client)",
});

function write(name: string, content: string | Buffer): string {
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}

function rejection(options: StartOptions, environment: NodeJS.ProcessEnv = {}): { message: string; paths: string[] } {
  try {
    resolveConfig(options, { OTEL_TRACES_EXPORTER: 'none', ...environment });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return { message: error.message, paths: error.issues.map((issue) => issue.path.join('.')) };
  }
  assert.fail('expected the configuration to be rejected');
}

test('RUNPROOF_SIGNING_KEY_FILE naming no file stops a zero-code app at start, naming the variable', async () => {
  const result = await runApp(fileURLToPath(new URL('../core/apps/quick-work.mjs', import.meta.url)), {
    args: ['--import', '@runproof/core/register'],
    env: { OTEL_TRACES_EXPORTER: 'none', RUNPROOF_SIGNING_KEY_FILE: join(folder, 'missing.pem') },
  });
  assert.notEqual(result.code, 0);
  assert.match(
    result.stderr,
    new RegExp(
      `Invalid Runproof configuration \\(environment\\):\\n  - RUNPROOF_SIGNING_KEY_FILE: cannot read "${join(folder, 'missing.pem').replaceAll('/', '\\/')}" \\(ENOENT\\)`,
    ),
  );
});

test('a key file that is no Ed25519 private key is named for what it is', () => {
  const cases: [string, RegExp][] = [
    [
      good.publicPath,
      /is a public key \(PEM "PUBLIC KEY"\), not a private key: Runproof signs with the private key; its public half is what `runproof verify --key` takes/,
    ],
    [
      files.rsa,
      /is an RSA key \(rsa\): Runproof signs and verifies only with Ed25519; make one with `openssl genpkey -algorithm ed25519 -out signing-key\.pem`/,
    ],
    [files.ec, /is an EC key \(prime256v1\): Runproof signs and verifies only with Ed25519/],
  ];
  for (const [path, expected] of cases) {
    const { message, paths } = rejection({}, { RUNPROOF_SIGNING_KEY_FILE: path });
    assert.deepEqual(paths, ['RUNPROOF_SIGNING_KEY_FILE'], path);
    assert.match(
      message,
      new RegExp(`RUNPROOF_SIGNING_KEY_FILE: "${path.replaceAll('/', '\\/')}" ${expected.source}`),
      path,
    );
  }
});

test('a key in DER is named for what it is: a public key given as the signing key, a private key given to verify --key', async () => {
  const publicDer = write('good.pub.der', good.publicKey.export({ type: 'spki', format: 'der' }));
  const { message, paths } = rejection({}, { RUNPROOF_SIGNING_KEY_FILE: publicDer });
  assert.deepEqual(paths, ['RUNPROOF_SIGNING_KEY_FILE']);
  assert.match(
    message,
    new RegExp(
      `RUNPROOF_SIGNING_KEY_FILE: "${publicDer.replaceAll('/', '\\/')}" is a public key \\(DER SubjectPublicKeyInfo\\), not a private key: Runproof signs with the private key`,
    ),
  );
  const privateDer = write('good.der', good.privateKey.export({ type: 'pkcs8', format: 'der' }));
  const verified = await runApp(CLI, { scriptArgs: ['verify', publicDer, '--key', privateDer] });
  assert.equal(verified.code, 2);
  assert.equal(
    verified.stderr,
    `runproof: --key: "${privateDer}" is a private key (DER PKCS#8), not a public key: give its public half (\`openssl pkey -in signing-key.pem -pubout -out signing-key.pub.pem\`); the private key stays with the signer\n`,
  );
});

test('an OpenSSH key, private or public, is named as one', { skip: sshKeygen.skip }, () => {
  const path = join(folder, 'id_ed25519');
  execFileSync(sshKeygen.path(), ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
  for (const [file, expected] of [
    [
      path,
      /is an OpenSSH private key, which Node cannot read, not a PEM private key: make one with `openssl genpkey -algorithm ed25519/,
    ],
    [`${path}.pub`, /is an OpenSSH public key line, not a PEM private key/],
  ] as const) {
    assert.match(
      rejection({}, { RUNPROOF_SIGNING_KEY_FILE: file }).message,
      new RegExp(`RUNPROOF_SIGNING_KEY_FILE: "${file.replaceAll('/', '\\/')}" ${expected.source}`),
    );
  }
});

test('a key given in code is checked the same way, under evidence.key', () => {
  const { message, paths } = rejection({ evidence: { key: rsa.privateKey } });
  assert.deepEqual(paths, ['evidence.key']);
  assert.match(
    message,
    /Invalid Runproof configuration \(start\(\) options\):\n {2}- evidence\.key: is an RSA key \(rsa\): Runproof signs and verifies only with Ed25519/,
  );
  assert.deepEqual(rejection({ evidence: { key: good.publicKey } }).paths, ['evidence.key']);
  assert.equal(
    resolveConfig({ evidence: { key: good.privateKey } }, { OTEL_TRACES_EXPORTER: 'none' }).evidence?.signer.keyId
      .length,
    64,
  );
});

test('a signing hook is tried at start: a hook returning a Promise, or signing with another key, is refused', () => {
  const other = generateKeyPairSync('ed25519');
  const asynchronous = rejection({
    evidence: {
      publicKey: good.publicKey,
      sign: ((bytes: Uint8Array) => Promise.resolve(sign(null, bytes, good.privateKey))) as unknown as (
        bytes: Uint8Array,
      ) => Uint8Array,
    },
  });
  assert.deepEqual(asynchronous.paths, ['evidence.sign']);
  assert.match(
    asynchronous.message,
    /evidence\.sign: sign returned a Promise: it must return the signature synchronously/,
  );
  const mismatched = rejection({
    evidence: { publicKey: good.publicKey, sign: (bytes) => sign(null, bytes, other.privateKey) },
  });
  assert.match(mismatched.message, /evidence\.sign: sign returned a signature that publicKey does not verify/);
  assert.match(
    rejection({ evidence: { sign: (bytes) => sign(null, bytes, good.privateKey) } }).message,
    /evidence\.publicKey: expected the public key of sign/,
  );
});

test('an evidence directory without a key, or one that cannot be written, is refused', () => {
  assert.match(
    rejection({ evidence: { directory: folder } }).message,
    /evidence\.directory: an evidence directory needs a signing key/,
  );
  const blocked = write('a-file', 'x');
  assert.match(
    rejection({}, { RUNPROOF_SIGNING_KEY_FILE: good.privatePath, RUNPROOF_EVIDENCE_DIR: join(blocked, 'evidence') })
      .message,
    /RUNPROOF_EVIDENCE_DIR: cannot write envelopes to ".*a-file\/evidence" \(ENOTDIR/,
  );
});
