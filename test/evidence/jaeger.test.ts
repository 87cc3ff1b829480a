import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { waitUntil } from '../backends/polling.ts';
import { jaegerProgram, startJaeger, type Jaeger } from '../backends/jaeger.ts';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';
import {
  copy,
  readOtlp,
  runSignedApp,
  runVerify,
  spansOf,
  temporaryFolder,
  writeKeyPair,
  type KeyFiles,
} from './support.ts';

// The same signed traces verify from the OTLP file the app wrote and from what a real Jaeger v2
// (test/backends/jaeger.ts) gives back for them: its /api/v3 OTLP JSON and its classic /api/traces
// JSON (arrays as JSON text, microseconds, the parent and links as references, the resource as the
// process) — and an edit made in Jaeger's JSON is still named.
describe('signed traces through Jaeger', { skip: jaegerProgram.skip }, () => {
  const folder = temporaryFolder('jaeger');
  let jaeger: Jaeger;
  let simulator: Simulator;
  let key: KeyFiles;
  const files = { triage: join(folder, 'triage.json'), payout: join(folder, 'payout.json') };
  const fromJaeger: { v3: string[]; classic: string[] } = { v3: [], classic: [] };

  async function fetchText(url: string): Promise<string> {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? response.text() : '';
  }

  before(async () => {
    jaeger = await startJaeger();
    simulator = await startSimulator({ chunkDelayMs: 0 });
    key = writeKeyPair(folder, 'signing-key');
    const exporting = { OTEL_TRACES_EXPORTER: 'file,otlp', OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpUrl };
    for (const [scenario, traceFile, extra] of [
      ['triage', files.triage, {}],
      ['retries', files.payout, { RUNPROOF_STORE: `sqlite:${join(folder, 'runs.db')}` }],
    ] as const) {
      const result = await runSignedApp({
        simulator,
        key: key.privatePath,
        traceFile,
        scenario,
        env: { ...exporting, ...extra },
      });
      assert.equal(result.code, 0, result.stderr);
    }
    for (const file of [files.triage, files.payout]) {
      const spans = spansOf(readOtlp(file));
      for (const traceId of new Set(spans.map((span) => span.traceId))) {
        const expected = spans.filter((span) => span.traceId === traceId).length;
        // Everything the app exported for the trace, as Jaeger's two APIs serve it.
        const v3 = await waitUntil(
          `Jaeger has trace ${traceId}`,
          async () => {
            const text = await fetchText(`${jaeger.queryUrl}/api/v3/traces/${traceId}?raw_traces=true`);
            return text !== '' &&
              spansOf((JSON.parse(text) as { result: Parameters<typeof spansOf>[0] }).result).length === expected
              ? text
              : undefined;
          },
          15_000,
        );
        fromJaeger.v3.push(writeJsonText(`v3-${traceId}.json`, v3));
        fromJaeger.classic.push(
          writeJsonText(`classic-${traceId}.json`, await fetchText(`${jaeger.queryUrl}/api/traces/${traceId}`)),
        );
      }
    }
  });
  after(async () => {
    await jaeger?.stop();
    await simulator?.close();
  });

  function writeJsonText(name: string, text: string): string {
    const path = join(folder, name);
    writeFileSync(path, text);
    return path;
  }

  test('the OTLP files verify: three runs and the three attempts of the payout', async () => {
    const result = await runVerify([files.triage, files.payout, '--key', key.publicPath]);
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /^4 runs: 4 verified, 0 failed$/m);
  });

  test("Jaeger's /api/v3/traces answers for the same traces verify", async () => {
    const result = await runVerify([...fromJaeger.v3, '--key', key.publicPath]);
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /^4 runs: 4 verified, 0 failed$/m);
    assert.match(result.stdout, /ok {4}chain {6}follows attempt 2/);
  });

  test("Jaeger's classic /api/traces JSON (what its UI downloads) for the same traces verifies", async () => {
    const result = await runVerify([...fromJaeger.classic, '--key', key.publicPath]);
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /^4 runs: 4 verified, 0 failed$/m);
    assert.match(result.stdout, /ok {4}chain {6}follows attempt 2/);
  });

  test("the OTLP file and Jaeger's JSON of the same trace, read together, are one set of spans", async () => {
    const result = await runVerify([files.triage, ...fromJaeger.classic, '--key', key.publicPath]);
    assert.equal(result.code, 0, result.stdout);
    assert.doesNotMatch(result.stdout, /share span id/);
  });

  test("an attribute edited in Jaeger's classic JSON is named", async () => {
    const [first] = fromJaeger.classic;
    const document = JSON.parse(readFileSync(first!, 'utf8')) as {
      data: { spans: { spanID: string; operationName: string; tags: { key: string; value: unknown }[] }[] }[];
    };
    const edited = copy(document);
    const chat = edited.data[0]!.spans.find((span) => span.operationName === 'chat gpt-4o-mini')!;
    chat.tags.find((tag) => tag.key === 'gen_ai.usage.output_tokens')!.value = 1;
    const result = await runVerify([
      writeJsonText('classic-edited.json', JSON.stringify(edited)),
      '--key',
      key.publicPath,
    ]);
    assert.equal(result.code, 1);
    assert.ok(
      result.stdout.includes(
        `- changed: span "chat gpt-4o-mini" (${chat.spanID}): its Runproof/GenAI attributes or events differ from what was signed`,
      ),
      result.stdout,
    );
  });
});
