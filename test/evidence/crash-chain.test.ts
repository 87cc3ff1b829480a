import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runApp } from '../support/app.ts';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';
import {
  attestationOf,
  attribute,
  CLI,
  readOtlp,
  runSignedApp,
  runVerify,
  spansOf,
  temporaryFolder,
  writeKeyPair,
  type KeyFiles,
} from './support.ts';

// A durable run whose first attempt's process is killed mid-step: it never signed anything. The
// resumed attempt's attestation says so (from the journal), so the chain still verifies, and the
// spans the killed process had already exported are named as covered by no attestation.
const folder = temporaryFolder('crash');
let simulator: Simulator;
let key: KeyFiles;
const files = { crashed: join(folder, 'crashed.json'), resumed: join(folder, 'resumed.json') };

before(async () => {
  simulator = await startSimulator({ chunkDelayMs: 0 });
  key = writeKeyPair(folder, 'signing-key');
  const durable = { RUNPROOF_STORE: `sqlite:${join(folder, 'runs.db')}`, RUNPROOF_LEASE_MS: '1000' };
  const crashed = await runSignedApp({
    simulator,
    key: key.privatePath,
    traceFile: files.crashed,
    scenario: 'crash',
    env: { ...durable, CRASH: '1' },
  });
  assert.equal(crashed.signal, 'SIGKILL', crashed.stderr);
  await sleep(1100); // the dead process's lease expires
  const resumed = await runSignedApp({
    simulator,
    key: key.privatePath,
    traceFile: files.resumed,
    scenario: 'crash',
    env: durable,
  });
  assert.equal(resumed.code, 0, resumed.stderr);
});
after(() => simulator.close());

test('the resumed attempt names the killed one as never ended, from the journal', () => {
  const killed = spansOf(readOtlp(files.crashed));
  assert.deepEqual(
    killed.map((span) => span.name).sort(),
    ['chat gpt-4o-mini', 'step prepare'],
    'what the killed process exported before it died',
  );
  const runSpan = spansOf(readOtlp(files.resumed)).find((span) => span.name === 'invoke_workflow payout')!;
  assert.equal(attribute(runSpan, 'runproof.run.attempt'), 2);
  const killedRunSpanId = killed.find((span) => span.name === 'step prepare')!.parentSpanId;
  assert.deepEqual(attestationOf(runSpan).statement.predicate.previousAttempt, {
    attempt: 1,
    traceId: killed[0]!.traceId,
    spanId: killedRunSpanId,
    ended: false,
  });
  assert.deepEqual(
    runSpan.links?.map((link) => link.spanId),
    [killedRunSpanId],
  );
});

test('the chain verifies, noting the attempt that died and the spans it left unsigned', async () => {
  const result = await runVerify([files.crashed, files.resumed, '--key', key.publicPath]);
  assert.equal(result.code, 0, result.stdout);
  assert.match(
    result.stdout,
    /^ {4}ok {4}chain {6}follows attempt 1 \(span [0-9a-f]{16}\)\n {12}note: attempt 1 never ended \(its process died, as the journal recorded\): it signed nothing$/m,
  );
  assert.match(
    result.stdout,
    /^ {2}note: 2 spans of an attempt whose process died before it ended: not covered by any attestation$/m,
  );
  assert.match(result.stdout, /^1 run: 1 verified, 0 failed$/m);
});

test('the report of the run says attempt 1 never ended and signed nothing', async () => {
  const result = await runApp(CLI, {
    scriptArgs: ['report', files.crashed, files.resumed, '--run', 'payout-42', '--key', key.publicPath],
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /^\| attempts \| 1 in the traces \(2\); attempt 1 never ended \(its process died; it signed nothing\) \|$/m,
  );
  assert.match(result.stdout, /^## Attempt 2: resume, completed$/m);
});
