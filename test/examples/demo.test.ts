import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readManifests } from '@runproof/core';
import { runApp } from '../support/app.ts';

// The README's first command: the demo runs with no setup and no backend, and tells its story.
test('the demo triages three invoices, shows their trees, the drift after the silent model update, a durable run killed and resumed, and writes OTLP JSON', async () => {
  const result = await runApp(fileURLToPath(new URL('../../examples/demo/main.ts', import.meta.url)), {
    timeoutMs: 60_000,
  });
  assert.equal(result.code, 0, result.stderr);
  const output = result.stdout;
  assert.match(output, /^Invoice triage: 3 runs$/m);
  assert.equal(
    output.match(/^ {2}run [0-9a-f-]{36} {2}completed {2}fingerprint [0-9a-f]{12}… {2}observed [0-9a-f]{12}…$/gm)
      ?.length,
    3,
  );
  assert.equal(output.match(/├─ step extract {2}\[boundary allow\]/g)?.length, 3);
  assert.equal(output.match(/└─ validate invoice\.fields {2}\[validation pass\]/g)?.length, 3);
  assert.equal(output.match(/DRIFT/g)?.length, 4, 'each of the four call conditions drifts once, in the second run');
  assert.match(output, /declared conditions identical/);
  assert.match(output, /observed\.resolvedModels: \["gpt-4o-mini-2024-07-18"\] -> \["gpt-4o-mini-2025-07-18"\]/);
  // The durable run: killed after classifying, resumed by a new process; extraction replayed, not redone.
  assert.match(output, /^ {2}run invoice-IC-4711 {2}attempt 2 \(resume\) {2}completed /m);
  assert.match(output, /├─ step extract {2}\[boundary allow, replayed from the journal\]\n {4}├─ step classify/);
  assert.match(
    output,
    /: 6 model calls in all for both attempts/,
    'extract once, classify twice (two calls each time), summarize once',
  );

  const manifests = readManifests(
    readFileSync(fileURLToPath(new URL('../../examples/demo/out/traces.json', import.meta.url)), 'utf8'),
  );
  assert.equal(manifests.length, 3);
  assert.equal(new Set(manifests.map((manifest) => manifest.fingerprint)).size, 1);
  assert.deepEqual(
    manifests[0]!.declared.calls.map((call) => call.step).sort(),
    ['classify', 'classify', 'extract', 'summarize'],
    'the second classify call carries the tool result: another template',
  );

  // Every run is signed with the demo's throwaway key, and the command it prints verifies them all.
  const verify = /check them: npm run runproof -- verify (.+)$/m.exec(output)?.[1]?.split(' ');
  assert.ok(verify, 'the demo prints the verify command');
  const verified = await runApp(fileURLToPath(new URL('../../packages/core/dist/cli.js', import.meta.url)), {
    scriptArgs: ['verify', ...verify],
  });
  assert.equal(verified.code, 0, verified.stdout);
  assert.match(verified.stdout, /^4 runs: 4 verified, 0 failed$/m, 'three triage runs and the resumed durable run');

  // The inventory it points to names the silent snapshot change of each step, at its first call.
  const inventoryArgs = /snapshot change with its time: npm run runproof -- inventory (.+)$/m
    .exec(output)?.[1]
    ?.split(' ');
  assert.ok(inventoryArgs, 'the demo prints the inventory command');
  const inventory = await runApp(fileURLToPath(new URL('../../packages/core/dist/cli.js', import.meta.url)), {
    scriptArgs: ['inventory', ...inventoryArgs],
  });
  assert.equal(inventory.code, 0, inventory.stderr);
  const firstNewSnapshot = new Map<string, string>();
  const document = JSON.parse(readFileSync(inventoryArgs[0]!, 'utf8')) as {
    resourceSpans: {
      scopeSpans: {
        spans: {
          spanId: string;
          parentSpanId?: string;
          name: string;
          startTimeUnixNano: string;
          attributes: { key: string; value: { stringValue?: string } }[];
        }[];
      }[];
    }[];
  };
  const spans = document.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans));
  for (const span of spans.sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)))) {
    if (
      span.attributes.find((attribute) => attribute.key === 'gen_ai.response.model')?.value.stringValue !==
      'gpt-4o-mini-2025-07-18'
    )
      continue;
    const step = spans.find((candidate) => candidate.spanId === span.parentSpanId)!.name.replace('step ', '');
    if (!firstNewSnapshot.has(step))
      firstNewSnapshot.set(step, new Date(Number(BigInt(span.startTimeUnixNano) / 1_000_000n)).toISOString());
  }
  assert.deepEqual([...firstNewSnapshot.keys()].sort(), ['classify', 'extract', 'summarize']);
  for (const [step, at] of firstNewSnapshot) {
    assert.match(
      inventory.stdout,
      new RegExp(
        `^  ${at}  invoice-triage › ${step} › chat gpt-4o-mini: resolved_model gpt-4o-mini-2024-07-18 → gpt-4o-mini-2025-07-18$`,
        'm',
      ),
    );
  }
});
