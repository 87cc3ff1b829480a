// Zero-code (--import @runproof/core/register, no key in the environment), then start() in code
// with a signing hook, as an app whose key is in a KMS would do; then one run.
import { generateKeyPairSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { run, start, step } from '@runproof/core';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
writeFileSync(process.env.PUBLIC_KEY_FILE, publicKey.export({ type: 'spki', format: 'pem' }));
start({ evidence: { publicKey, sign: (bytes) => sign(null, bytes, privateKey) } });
const result = await run('settlement', () => step('settle', () => 'settled'));
process.stdout.write(`${result}\n`);
