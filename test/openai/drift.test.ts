import assert from 'node:assert/strict';
import { test } from 'node:test';
import { run } from '@runproof/core';
import type { Simulator } from '../simulator/simulator.ts';
import { harness, useSimulator, type Client } from './setup.ts';

let simulator: Simulator;
let client: Client;
useSimulator((fixture) => ({ simulator, client } = fixture), { maxRetries: 0 });

const classify = () =>
  run('triage', () =>
    client.chat.completions.create({
      model: 'gpt-4o-mini',
      temperature: 0,
      messages: [
        { role: 'system', content: 'Classify the invoice.' },
        { role: 'user', content: 'ACME, printer paper' },
      ],
    }),
  );

test('a silent upstream model change for the same call conditions is a drift event on the call that saw it', async () => {
  const before = Date.now();
  await classify();
  const after = Date.now();
  await classify();
  simulator.setResolvedModel((requested) => `${requested}-2025-07-18`);
  simulator.setSystemFingerprint('fp_4fe6d1250b');
  await classify();
  await classify();

  const chats = harness.spans().filter((span) => span.name === 'chat gpt-4o-mini');
  assert.equal(chats.length, 4);
  assert.equal(
    new Set(chats.map((span) => span.attributes['runproof.call.fingerprint'])).size,
    1,
    'the same declared conditions each time',
  );
  assert.deepEqual(
    chats.map((span) => span.attributes['runproof.drift.detected']),
    [undefined, undefined, true, undefined],
  );
  // Without a store, the baseline is this process's: first seen by the first call.
  const firstSeen = chats[2]!.events.find((event) => event.name === 'runproof.drift')?.attributes?.[
    'runproof.drift.baseline_first_seen'
  ];
  assert.ok(
    typeof firstSeen === 'string' && Date.parse(firstSeen) >= before && Date.parse(firstSeen) <= after,
    String(firstSeen),
  );
  assert.deepEqual(
    chats[2]!.events.filter((event) => event.name === 'runproof.drift').map((event) => event.attributes),
    [
      {
        'runproof.drift.kind': 'resolved_model',
        'runproof.drift.baseline': 'gpt-4o-mini-2024-07-18',
        'runproof.drift.observed': 'gpt-4o-mini-2025-07-18',
        'runproof.drift.baseline_first_seen': firstSeen,
        'runproof.drift.baseline_source': 'process',
      },
      {
        'runproof.drift.kind': 'system_fingerprint',
        'runproof.drift.baseline': chats[0]!.attributes['openai.response.system_fingerprint'],
        'runproof.drift.observed': 'fp_4fe6d1250b',
        'runproof.drift.baseline_first_seen': firstSeen,
        'runproof.drift.baseline_source': 'process',
      },
    ],
  );
  // The runs declare the same conditions, so their fingerprints match; what they observed differs.
  const runs = harness.spans().filter((span) => span.name === 'invoke_workflow triage');
  assert.equal(new Set(runs.map((span) => span.attributes['runproof.run.fingerprint'])).size, 1);
  assert.equal(new Set(runs.map((span) => span.attributes['runproof.run.observed_digest'])).size, 2);
});
