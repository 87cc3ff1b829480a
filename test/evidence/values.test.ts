import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '../backends/polling.ts';
import { jaegerProgram, startJaeger, type Jaeger } from '../backends/jaeger.ts';
import { runApp } from '../support/app.ts';
import {
  attribute,
  readOtlp,
  runVerify,
  spansOf,
  temporaryFolder,
  writeKeyPair,
  type KeyFiles,
  type OtlpDocument,
} from './support.ts';

// Attribute values whose text form differs between the signing process, the OTLP JSON file and
// what OTLP protobuf makes of them on the way to Jaeger: a 64-bit integer (a double in the process,
// printed 1152921504606847000; the exact int64 1152921504606846976 once sent as protobuf), a string
// an attribute length limit cut in the middle of an emoji (a lone surrogate in the process, U+FFFD
// in UTF-8), NaN (null in JSON). The run verifies from each.
const app = fileURLToPath(new URL('./apps/hand-instrumented.mjs', import.meta.url));
const folder = temporaryFolder('values');
const LIMIT = '16384';
let key: KeyFiles;

function runQuote(traceFile: string, env: Record<string, string>) {
  return runApp(app, {
    args: ['--import', '@runproof/core/register'],
    env: {
      LIMIT,
      OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: LIMIT,
      RUNPROOF_TRACES_FILE: traceFile,
      RUNPROOF_SIGNING_KEY_FILE: key.privatePath,
      NODE_NO_WARNINGS: '1',
      ...env,
    },
  });
}

before(() => {
  key = writeKeyPair(folder, 'signing-key');
});

test('a NaN attribute (null in the OTLP JSON file) verifies', async () => {
  const traceFile = join(folder, 'nan.json');
  const result = await runQuote(traceFile, { OTEL_TRACES_EXPORTER: 'file', NAN: '1' });
  assert.equal(result.code, 0, result.stderr);
  const call = spansOf(readOtlp(traceFile)).find((span) => span.name === 'chat house-model')!;
  assert.deepEqual(call.attributes.find((entry) => entry.key === 'gen_ai.request.temperature')?.value, {
    doubleValue: null,
  });
  const verified = await runVerify([traceFile, '--key', key.publicPath]);
  assert.equal(verified.code, 0, verified.stdout);
  assert.match(verified.stdout, /^1 run: 1 verified, 0 failed$/m);
});

describe('a 64-bit integer and a cut emoji, sent to Jaeger as OTLP protobuf', { skip: jaegerProgram.skip }, () => {
  const traceFile = join(folder, 'quote.json');
  const fromJaeger: string[] = [];
  let jaeger: Jaeger;

  before(async () => {
    jaeger = await startJaeger();
    const result = await runQuote(traceFile, {
      OTEL_TRACES_EXPORTER: 'file,otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpUrl,
    });
    assert.equal(result.code, 0, result.stderr);
    const spans = spansOf(readOtlp(traceFile));
    const traceId = spans[0]!.traceId;
    const v3 = await waitUntil(
      `Jaeger has trace ${traceId}`,
      async () => {
        const response = await fetch(`${jaeger.queryUrl}/api/v3/traces/${traceId}?raw_traces=true`);
        const text = response.ok ? await response.text() : '';
        return text !== '' && spansOf((JSON.parse(text) as { result: OtlpDocument }).result).length === spans.length
          ? text
          : undefined;
      },
      15_000,
    );
    const classic = await (await fetch(`${jaeger.queryUrl}/api/traces/${traceId}`)).text();
    for (const [name, text] of [
      ['v3.json', v3],
      ['classic.json', classic],
    ] as const) {
      writeFileSync(join(folder, name), text);
      fromJaeger.push(join(folder, name));
    }
  });
  after(() => jaeger?.stop());

  test('the values reach Jaeger changed in form', () => {
    const call = spansOf(readOtlp(traceFile)).find((span) => span.name === 'chat house-model')!;
    const cut = String(attribute(call, 'gen_ai.output.messages'));
    assert.equal(cut.length, Number(LIMIT));
    assert.equal(cut.at(-1), '\ud83d');
    const v3 = readFileSync(fromJaeger[0]!, 'utf8');
    assert.ok(v3.includes('"intValue":"1152921504606846976"'), v3);
    assert.ok(v3.includes('\ufffd"'), 'the cut emoji is U+FFFD in Jaeger');
  });

  test('the run verifies from the OTLP file, from /api/v3/traces and from the classic /api/traces JSON', async () => {
    for (const file of [traceFile, ...fromJaeger]) {
      const result = await runVerify([file, '--key', key.publicPath]);
      assert.equal(result.code, 0, `${file}\n${result.stdout}`);
      assert.match(result.stdout, /^ {4}ok {4}ledger {5}1 signed span, 1 present$/m);
    }
  });
});
