// `runproof inventory`, run as a user runs it (the built CLI in its own process): from the fleet's
// drift baselines in a store that real apps wrote, from trace files, and from the Jaeger API JSON
// a real Jaeger makes of the same traces.
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { jaegerProgram, startJaeger } from '../backends/jaeger.ts';
import { transformTraceFile, type OtlpDocument } from '../backends/jaeger-api.ts';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';
import { runApp } from '../support/app.ts';

const cli = fileURLToPath(new URL('../../packages/core/dist/cli.js', import.meta.url));
const fleetApp = fileURLToPath(new URL('./apps/fleet-app.mjs', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'runproof-inventory-'));
const store = `sqlite:${join(folder, 'fleet.db')}`;
const traces = join(folder, 'traces.json');

let simulator: Simulator;
before(async () => {
  simulator = await startSimulator({ chunkDelayMs: 0 });
});
after(async () => {
  await simulator.close();
  rmSync(folder, { recursive: true, force: true });
});

function app(customer: Record<string, string>) {
  return runApp(fleetApp, {
    args: ['--import', '@runproof/core/register'],
    env: {
      OPENAI_BASE_URL: simulator.url,
      OTEL_TRACES_EXPORTER: 'file',
      RUNPROOF_TRACES_FILE: traces,
      OTEL_SERVICE_NAME: 'invoice-service',
      RUNPROOF_STORE: store,
      NODE_NO_WARNINGS: '1',
      CUSTOMER: JSON.stringify(customer),
    },
  });
}

async function inventory(...args: string[]) {
  const result = await runApp(cli, { scriptArgs: ['inventory', ...args], env: { NODE_NO_WARNINGS: '1' } });
  return {
    ...result,
    json: result.code === 0 && args.includes('--json') ? (JSON.parse(result.stdout) as Inventory) : undefined,
  };
}

interface Value {
  value: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  baseline?: boolean;
}
interface Inventory {
  source: string;
  workflows: {
    workflow: string;
    services: string[];
    steps: {
      step: string;
      calls: {
        provider: string;
        operation: string;
        requestedModel: string;
        resolvedModels: Value[];
        libraries: string[];
        adapters: string[];
      }[];
      inputs: { on: string; name: string; shapes: Value[] }[];
    }[];
  }[];
  changes: {
    at: string;
    workflow: string;
    step: string;
    subject: string;
    kind: string;
    from: string;
    to: string;
    fieldsAdded?: string[];
    fieldsRemoved?: string[];
    baseline?: string;
  }[];
}

describe('runproof inventory', () => {
  let startedB = 0;
  let endedB = 0;

  before(async () => {
    // A sets the baselines; then the provider moves the alias and the CRM renames a field; B runs.
    const first = await app({ id: 'C-1042', name: 'ACME GmbH', tax_id: 'DE811907980' });
    assert.equal(first.code, 0, first.stderr);
    simulator.setResolvedModel((requested) => `${requested}-2025-07-18`);
    startedB = Date.now();
    const second = await app({ id: 'C-1042', name: 'ACME GmbH', vat_id: 'DE811907980' });
    endedB = Date.now();
    assert.equal(second.code, 0, second.stderr);
  });

  test('--store: each workflow and step with its calls and inputs, and what changed, with when and whether the baseline moved', async () => {
    const { json, stderr } = await inventory('--store', store, '--json');
    assert.ok(json, stderr);
    assert.equal(json.source, 'store');
    const [workflow] = json.workflows;
    assert.deepEqual(
      json.workflows.map((each) => each.workflow),
      ['invoice-triage'],
    );
    const classify = workflow!.steps.find((step) => step.step === 'classify')!;
    assert.deepEqual(
      classify.calls.map((call) => [
        call.provider,
        call.operation,
        call.requestedModel,
        call.adapters,
        call.resolvedModels.map((value) => [value.value, value.count, value.baseline]),
      ]),
      [
        [
          'openai',
          'chat',
          'gpt-4o-mini',
          ['@runproof/openai-adapter@0.1.0'],
          [
            ['gpt-4o-mini-2024-07-18', 2, true],
            ['gpt-4o-mini-2025-07-18', 2, false],
          ],
        ],
      ],
    );
    const snapshot = classify.calls[0]!.resolvedModels[1]!;
    assert.ok(
      Date.parse(snapshot.firstSeen) >= startedB && Date.parse(snapshot.firstSeen) <= endedB,
      snapshot.firstSeen,
    );
    assert.deepEqual(
      json.changes.filter((change) => change.kind === 'resolved_model'),
      [
        {
          at: snapshot.firstSeen,
          workflow: 'invoice-triage',
          step: 'classify',
          subject: 'chat gpt-4o-mini',
          kind: 'resolved_model',
          from: 'gpt-4o-mini-2024-07-18',
          to: 'gpt-4o-mini-2025-07-18',
          baseline: 'not yet',
        },
      ],
    );
    const renamed = json.changes
      .filter((change) => change.kind === 'input_shape')
      .map((change) => [change.step, change.subject, change.fieldsAdded, change.fieldsRemoved, change.baseline]);
    assert.deepEqual(renamed.sort(), [
      ['', 'checkpoint crm.customer', ['vat_id (string)'], ['tax_id (string)'], 'not yet'],
      ['enrich', 'step enrich', ['vat_id (string)'], ['tax_id (string)'], 'not yet'],
    ]);
  });

  test('--store as text names the change, its time, and the baseline that stays', async () => {
    const { code, stdout, json } = await inventory('--store', store, '--json');
    const text = await inventory('--store', store);
    assert.equal(code, 0);
    const at = json!.changes.find((change) => change.kind === 'resolved_model')!.at;
    assert.match(
      text.stdout,
      new RegExp(
        `^  ${at}  invoice-triage › classify › chat gpt-4o-mini: resolved_model gpt-4o-mini-2024-07-18 → gpt-4o-mini-2025-07-18 \\(not the baseline yet\\)$`,
        'm',
      ),
    );
    assert.match(text.stdout, /^Inventory of the drift baselines in sqlite:.+fleet\.db: /);
    assert.match(
      text.stdout,
      /checkpoint crm\.customer: input_shape [0-9a-f]{12}… → [0-9a-f]{12}… \[\+vat_id \(string\), -tax_id \(string\)\] \(not the baseline yet\)$/m,
    );
    assert.ok(stdout.length > 0);
  });

  test('trace files: the same change, at the first call that saw it', async () => {
    const { json, stderr } = await inventory(traces, '--json');
    assert.ok(json, stderr);
    assert.equal(json.source, 'traces');
    const classify = json.workflows[0]!.steps.find((step) => step.step === 'classify')!;
    const [call] = classify.calls;
    assert.deepEqual(
      [call!.libraries.length, call!.adapters],
      [1, ['@runproof/openai-adapter@0.1.0']],
      "from the runs' manifests",
    );
    const snapshot = call!.resolvedModels.find((value) => value.value === 'gpt-4o-mini-2025-07-18')!;
    assert.deepEqual(
      json.changes.filter((change) => change.kind === 'resolved_model'),
      [
        {
          at: snapshot.firstSeen,
          workflow: 'invoice-triage',
          step: 'classify',
          subject: 'chat gpt-4o-mini',
          kind: 'resolved_model',
          from: 'gpt-4o-mini-2024-07-18',
          to: 'gpt-4o-mini-2025-07-18',
        },
      ],
    );
    // The input drift B reported on its checkpoint and its step, with the fields.
    assert.deepEqual(
      json.changes
        .filter((change) => change.kind === 'input_shape')
        .map((change) => [change.step, change.subject, change.fieldsAdded, change.fieldsRemoved])
        .sort(),
      [
        ['', 'checkpoint crm.customer', ['vat_id (string)'], ['tax_id (string)']],
        ['enrich', 'step enrich', ['vat_id (string)'], ['tax_id (string)']],
      ],
    );
  });

  test('--since keeps the window: a change before it is not one', async () => {
    const later = new Date(endedB + 60_000).toISOString();
    const { json } = await inventory(traces, '--json', '--since', later);
    assert.deepEqual([json!.workflows, json!.changes], [[], []]);
    const { json: week } = await inventory('--store', store, '--json', '--since', '7d');
    assert.deepEqual(
      week!.changes.map((change) => change.kind).sort(),
      ['input_shape', 'input_shape', 'resolved_model', 'system_fingerprint'],
      'the new snapshot came on a new backend',
    );
  });

  test('a trace file too large to read whole (over 512 MB, one document as the file exporter writes it) gives the same inventory', async () => {
    // The same document with 600 MiB of white space before its first span, as weeks of exports would make it.
    const text = readFileSync(traces, 'utf8');
    const head = text.indexOf('[') + 1;
    const large = join(folder, 'large.json');
    const file = openSync(large, 'w');
    try {
      writeSync(file, text.slice(0, head));
      const blank = Buffer.alloc(64 * 1024 * 1024, ' ');
      for (let written = 0; written < 600 * 1024 * 1024; written += blank.length) writeSync(file, blank);
      writeSync(file, text.slice(head));
    } finally {
      closeSync(file);
    }
    try {
      const whole = await inventory(traces, '--json');
      const piecewise = await inventory(large, '--json');
      assert.equal(piecewise.code, 0, piecewise.stderr);
      assert.deepEqual(piecewise.json, whole.json);
    } finally {
      rmSync(large, { force: true });
    }
  });

  test('bad arguments: a usage error naming what was expected, exit code 2', async () => {
    const since = await inventory(traces, '--since', 'last tuesday');
    assert.deepEqual(
      [since.code, since.stderr],
      [2, 'runproof: --since must be a duration (30m, 12h, 7d, 2w) or an ISO 8601 time, got "last tuesday"\n'],
    );
    const both = await inventory(traces, '--store', store);
    assert.deepEqual(
      [both.code, both.stderr],
      [2, 'runproof: usage: runproof inventory <traces…> | --store URL  [--since 7d] [--json]\n'],
    );
    const neither = await inventory();
    assert.equal(neither.code, 2);
  });

  test(
    'Jaeger API JSON of the same traces (as a real Jaeger makes it) gives the same inventory',
    { skip: jaegerProgram.skip },
    async () => {
      const jaeger = await startJaeger();
      try {
        const documents = readFileSync(traces, 'utf8')
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as OtlpDocument);
        const jaegerJson = join(folder, 'jaeger.json');
        writeFileSync(jaegerJson, JSON.stringify({ data: await transformTraceFile(jaeger.queryUrl, documents) }));
        const fromOtlp = await inventory(traces, '--json');
        const fromJaeger = await inventory(jaegerJson, '--json');
        assert.equal(fromJaeger.code, 0, fromJaeger.stderr);
        assert.deepEqual(fromJaeger.json, fromOtlp.json);
      } finally {
        await jaeger.stop();
      }
    },
  );
});
