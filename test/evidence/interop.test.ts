import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createHash, createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bundleFromJSON } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier, VerificationError } from '@sigstore/verify';
import { requireProgram } from '../support/programs.ts';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';
import { runSignedApp, temporaryFolder } from './support.ts';

// The envelopes verify with tools that know nothing of Runproof: OpenSSL 3 over the DSSE
// pre-authentication encoding (the auditors' recipe in docs/evidence.md, run as written) and
// Sigstore's offline verifier with a v0.3 bundle naming the key by a hint. The key is OpenSSL's.
const openssl = requireProgram('openssl', { install: "Debian's openssl package (apt-get install openssl)" });
const jq = requireProgram('jq', { install: "Debian's jq package (apt-get install jq)" });
const folder = temporaryFolder('interop');
const evidence = join(folder, 'evidence');
let simulator: Simulator;
let envelopeLine: string;
let runId: string;

before(async () => {
  if (openssl.skip !== false) return;
  simulator = await startSimulator({ chunkDelayMs: 0 });
  execFileSync(openssl.path(), ['genpkey', '-algorithm', 'ed25519', '-out', join(folder, 'signing-key.pem')]);
  execFileSync(openssl.path(), [
    'pkey',
    '-in',
    join(folder, 'signing-key.pem'),
    '-pubout',
    '-out',
    join(folder, 'signing-key.pub.pem'),
  ]);
  const result = await runSignedApp({
    simulator,
    key: join(folder, 'signing-key.pem'),
    traceFile: join(folder, 'traces.json'),
    scenario: 'triage',
    env: { RUNPROOF_EVIDENCE_DIR: evidence },
  });
  assert.equal(result.code, 0, result.stderr);
  const file = readdirSync(evidence).sort()[0]!;
  runId = decodeURIComponent(file.replace(/\.intoto\.jsonl$/, ''));
  envelopeLine = readFileSync(join(evidence, file), 'utf8').split('\n')[0]!;
});
after(() => simulator?.close());

/** The recipe of docs/evidence.md, "Checking a signature with OpenSSL": its shell block, as written. */
function auditorRecipe(): string {
  const documentation = readFileSync(fileURLToPath(new URL('../../docs/evidence.md', import.meta.url)), 'utf8');
  const section = documentation.slice(documentation.indexOf('## Checking a signature with OpenSSL'));
  return /```sh\n([\s\S]*?)```/.exec(section)![1]!;
}

function runRecipe(envelope: string): { status: number | null; stdout: string; stderr: string } {
  const workspace = temporaryFolder('auditor');
  for (const name of ['signing-key.pub.pem', 'traces.json']) copyFileSync(join(folder, name), join(workspace, name));
  writeFileSync(join(workspace, 'envelope.json'), envelope);
  const result = spawnSync('bash', ['-euo', 'pipefail', '-c', auditorRecipe()], {
    cwd: workspace,
    env: { PATH: process.env.PATH, RUN_ID: runId },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('OpenSSL 3', { skip: openssl.skip || jq.skip }, () => {
  test("the auditors' recipe verifies the signature, and shows the key id and the manifest digest matching", () => {
    const result = runRecipe(envelopeLine);
    assert.equal(result.status, 0, result.stderr);
    const [verified, keyId, opensslKeyId, subjectDigest, manifestDigest, ...rest] = result.stdout.split('\n');
    assert.equal(verified, 'Signature Verified Successfully');
    assert.equal(opensslKeyId, `${keyId}  -`, 'the key id is what openssl pkey -outform DER | sha256sum prints');
    assert.equal(
      manifestDigest,
      `${subjectDigest}  manifest.json`,
      'sha256sum of the manifest bytes is the subject digest',
    );
    assert.deepEqual(rest, ['']);
  });

  test("a statement changed after signing fails OpenSSL's check", () => {
    const envelope = JSON.parse(envelopeLine) as { payload: string };
    const statement = Buffer.from(envelope.payload, 'base64')
      .toString('utf8')
      .replace('gpt-4o-mini-2024-07-18', 'gpt-4o-2024-08-06');
    const result = runRecipe(JSON.stringify({ ...envelope, payload: Buffer.from(statement).toString('base64') }));
    assert.notEqual(result.status, 0);
    assert.match(result.stdout, /^Signature Verification Failure$/m);
  });
});

describe('Sigstore (@sigstore/verify 3, offline)', () => {
  function verifyBundle(envelope: {
    payloadType: string;
    payload: string;
    signatures: { keyid: string; sig: string }[];
  }) {
    const bundle = bundleFromJSON({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: {
        publicKey: { hint: envelope.signatures[0]!.keyid },
        tlogEntries: [],
        timestampVerificationData: { rfc3161Timestamps: [] },
      },
      dsseEnvelope: envelope,
    });
    const publicKey = createPublicKey(readFileSync(join(folder, 'signing-key.pub.pem')));
    const keyId = createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex');
    const trusted: Record<string, { publicKey: typeof publicKey; validFor: () => boolean }> = {
      [keyId]: { publicKey, validFor: () => true },
    };
    // No transparency log, certificate authority or timestamp authority: only the local key.
    const root = {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [],
      certificateAuthorities: [],
      ctlogs: [],
      timestampAuthorities: [],
    } as unknown as Parameters<typeof toTrustMaterial>[0];
    const material = toTrustMaterial(root, (hint) => {
      const key = trusted[hint];
      if (key === undefined)
        throw new VerificationError({ code: 'PUBLIC_KEY_ERROR', message: `no trusted key ${hint}` });
      return key;
    });
    return new Verifier(material, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(
      toSignedEntity(bundle),
    );
  }

  test('a v0.3 bundle of the envelope, its key found by the hint, verifies', { skip: openssl.skip }, () => {
    const signer = verifyBundle(JSON.parse(envelopeLine) as Parameters<typeof verifyBundle>[0]);
    assert.equal(signer.key.asymmetricKeyType, 'ed25519');
  });

  test(
    'the same bundle with its payload changed, or its signature from another key, is rejected',
    { skip: openssl.skip },
    () => {
      const envelope = JSON.parse(envelopeLine) as Parameters<typeof verifyBundle>[0];
      const statement = Buffer.from(envelope.payload, 'base64')
        .toString('utf8')
        .replace('"status":"unset"', '"status":"ok"');
      assert.throws(
        () => verifyBundle({ ...envelope, payload: Buffer.from(statement).toString('base64') }),
        (error: unknown) => error instanceof VerificationError && error.code === 'SIGNATURE_ERROR',
      );
      assert.throws(
        () => verifyBundle({ ...envelope, signatures: [{ ...envelope.signatures[0]!, keyid: 'f'.repeat(64) }] }),
        /no trusted key f{64}/,
      );
    },
  );
});
