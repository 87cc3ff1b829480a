// An app that signs through a hook (a KMS or HSM) set in code; the hook works when start() tries it,
// then its session expires: every later signature throws.
import { generateKeyPairSync, sign } from 'node:crypto';
import { run, start, step } from '@runproof/core';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
let calls = 0;
start({
  serviceName: 'hsm-app',
  metricExporters: ['none'],
  evidence: {
    publicKey,
    sign(bytes) {
      calls += 1;
      if (calls > 1) throw new Error('HSM session expired');
      return sign(null, bytes, privateKey);
    },
  },
});
const results = [];
for (const night of [1, 2]) results.push(await run('nightly-report', () => step('render', () => `report ${night}`)));
process.stdout.write(`${JSON.stringify(results)}\n`);
