// Drift baselines shared by a fleet through the run store, end to end: a user's app
// (apps/fleet-app.mjs) zero-code (`--import @runproof/core/register`) with the real `openai`
// client against the simulator, its spans over OTLP/HTTP to a real receiver, its baselines in each
// kind of store (SQLite file, PostgreSQL and Redis servers). One process sets the baseline and
// exits; the next compares with it from its first call. A store that is down changes nothing a
// call returns.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BaselineStore, BaselineValue } from '../../packages/core/src/continuity/baselines.ts';
import type { RunStore } from '../../packages/core/src/continuity/journal.ts';
import { openStore } from '../../packages/core/src/continuity/open-store.ts';
import { storeKinds } from '../continuity/store-kinds.ts';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';
import { runApp } from '../support/app.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';

const fleetApp = fileURLToPath(new URL('./apps/fleet-app.mjs', import.meta.url));
const OPENAI_VERSION = (
  JSON.parse(readFileSync(new URL('../../node_modules/openai/package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
/** A URL of each kind where nothing answers, with the password `hunter2`. */
const UNREACHABLE = {
  sqlite: 'sqlite:/proc/runproof-no-such-folder/runs.db',
  postgres: 'postgres://runproof:hunter2@127.0.0.1:1/runs',
  redis: 'redis://:hunter2@127.0.0.1:1/0',
};

let simulator: Simulator;
let receiver: OtlpReceiver;
before(async () => {
  simulator = await startSimulator({ chunkDelayMs: 0 });
  receiver = await startOtlpReceiver();
});
after(async () => {
  await simulator.close();
  await receiver.close();
});

function app(service: string, env: Record<string, string>) {
  return runApp(fleetApp, {
    args: ['--import', '@runproof/core/register'],
    env: {
      OPENAI_BASE_URL: simulator.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_SERVICE_NAME: service,
      NODE_NO_WARNINGS: '1',
      // The first call must meet the fleet's baselines however loaded the machine is (default: 500 ms).
      RUNPROOF_BASELINE_WAIT_MS: '10000',
      ...env,
    },
  });
}

/** The spans named `name` of one process (its service name), in the order they ended. */
async function spansOf(service: string, name: string, count: number): Promise<ReceivedSpan[]> {
  const of = () => receiver.spans.filter((span) => span.resource['service.name'] === service && span.name === name);
  await receiver.waitFor(() => of().length >= count);
  return of();
}

const driftEvents = (span: ReceivedSpan) =>
  span.events.filter((event) => event.name === 'runproof.drift').map((event) => event.attributes);
const iso = (millis: number) => new Date(millis).toISOString();

async function readStore(
  url: string,
  read: (store: BaselineStore) => Promise<BaselineValue[]>,
): Promise<BaselineValue[]> {
  const store = (await openStore(url)) as RunStore & BaselineStore;
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

for (const kind of storeKinds) {
  describe(`drift baselines shared through ${kind.kind}`, { skip: kind.skip }, () => {
    before(() => kind.setUp());
    after(() => kind.tearDown());

    test('process B, started after A exited, flags the new snapshot on its first call, with the first-seen time A recorded', async () => {
      const url = await kind.fresh();
      simulator.reset();
      const started = Date.now();
      const first = await app(`fleet-a-${kind.kind}`, { RUNPROOF_STORE: url });
      const ended = Date.now();
      assert.deepEqual([first.code, first.stdout, first.stderr], [0, 'gpt-4o-mini-2024-07-18\n'.repeat(2), '']);
      const chatsA = await spansOf(`fleet-a-${kind.kind}`, 'chat gpt-4o-mini', 2);
      const fingerprint = chatsA[0]!.attributes['runproof.call.fingerprint'] as string;
      const fingerprintA = chatsA[0]!.attributes['openai.response.system_fingerprint'] as string;
      assert.deepEqual(chatsA.map(driftEvents), [[], []]);

      // What A left in the store: each kind's value, first seen by A's first call, as the baseline.
      const left = await readStore(url, (store) => store.readBaselines([fingerprint]));
      const model = left.find((value) => value.kind === 'resolved_model')!;
      assert.ok(model.firstSeen >= started && model.firstSeen <= ended, `${iso(model.firstSeen)} within A's life`);
      const context = JSON.stringify({
        on: 'call',
        workflow: 'invoice-triage',
        step: 'classify',
        provider: 'openai',
        operation: 'chat',
        target: 'gpt-4o-mini',
        library: `openai@${OPENAI_VERSION}`,
        adapter: '@runproof/openai-adapter@0.1.0',
      });
      const shape = chatsA[0]!.attributes['runproof.output.shape'] as string;
      assert.deepEqual(
        left
          .map((value) => ({ ...value, subject: value.subject === fingerprint }))
          .sort((a, b) => (a.kind < b.kind ? -1 : 1)),
        [
          {
            subject: true,
            kind: 'output_shape',
            value: shape,
            firstSeen: model.firstSeen,
            lastSeen: model.lastSeen,
            count: 2,
            baselineSince: model.firstSeen,
            context,
          },
          {
            subject: true,
            kind: 'resolved_model',
            value: 'gpt-4o-mini-2024-07-18',
            firstSeen: model.firstSeen,
            lastSeen: model.lastSeen,
            count: 2,
            baselineSince: model.firstSeen,
            context,
          },
          {
            subject: true,
            kind: 'system_fingerprint',
            value: fingerprintA,
            firstSeen: model.firstSeen,
            lastSeen: model.lastSeen,
            count: 2,
            baselineSince: model.firstSeen,
            context,
          },
        ],
      );

      // While A is gone, the provider moves the alias to a new snapshot on a new backend.
      simulator.setResolvedModel((requested) => `${requested}-2025-07-18`);
      simulator.setSystemFingerprint('fp_4fe6d1250b');
      const second = await app(`fleet-b-${kind.kind}`, { RUNPROOF_STORE: url });
      assert.deepEqual([second.code, second.stdout, second.stderr], [0, 'gpt-4o-mini-2025-07-18\n'.repeat(2), '']);
      const chatsB = await spansOf(`fleet-b-${kind.kind}`, 'chat gpt-4o-mini', 2);
      assert.equal(chatsB[0]!.attributes['runproof.call.fingerprint'], fingerprint, 'the same declared conditions');
      assert.deepEqual(
        chatsB.map((span) => span.attributes['runproof.drift.detected']),
        [true, undefined],
        'on the first call, once per process',
      );
      assert.deepEqual(driftEvents(chatsB[0]!), [
        {
          'runproof.drift.kind': 'resolved_model',
          'runproof.drift.baseline': 'gpt-4o-mini-2024-07-18',
          'runproof.drift.observed': 'gpt-4o-mini-2025-07-18',
          'runproof.drift.baseline_first_seen': iso(model.firstSeen),
          'runproof.drift.baseline_source': 'store',
        },
        {
          'runproof.drift.kind': 'system_fingerprint',
          'runproof.drift.baseline': fingerprintA,
          'runproof.drift.observed': 'fp_4fe6d1250b',
          'runproof.drift.baseline_first_seen': iso(model.firstSeen),
          'runproof.drift.baseline_source': 'store',
        },
      ]);
      // The new snapshot is recorded beside the baseline, which stays: two calls are not "settled".
      const now = await readStore(url, (store) => store.readBaselines([fingerprint]));
      assert.deepEqual(
        now
          .filter((value) => value.kind === 'resolved_model')
          .map((value) => [value.value, value.count, value.baselineSince])
          .sort(),
        [
          ['gpt-4o-mini-2024-07-18', 2, model.firstSeen],
          ['gpt-4o-mini-2025-07-18', 2, undefined],
        ],
      );
    });

    test('a checkpoint and a step whose input gained a field and lost another flag input_shape on the first such call, in the next process', async () => {
      const url = await kind.fresh();
      const before = await app(`input-a-${kind.kind}`, {
        RUNPROOF_STORE: url,
        CALLS: '0',
        CUSTOMER: JSON.stringify({ id: 'C-1042', name: 'ACME GmbH', tax_id: 'DE811907980' }),
      });
      assert.deepEqual([before.code, before.stderr], [0, '']);
      const [validateA] = await spansOf(`input-a-${kind.kind}`, 'validate crm.customer', 1);
      const [stepA] = await spansOf(`input-a-${kind.kind}`, 'step enrich', 1);
      assert.deepEqual([driftEvents(validateA!), driftEvents(stepA!)], [[], []]);
      const shapes = (await readStore(url, (store) => store.listBaselines())).filter(
        (value) => value.kind === 'input_shape',
      );
      assert.equal(shapes.length, 2, 'one baseline for the checkpoint, one for the step');
      const checkpointContext = JSON.stringify({
        on: 'checkpoint',
        workflow: 'invoice-triage',
        name: 'crm.customer',
        schemaDigest: validateA!.attributes['runproof.validation.schema.digest'],
      });
      const stepContext = JSON.stringify({ on: 'step', workflow: 'invoice-triage', step: 'enrich' });
      assert.deepEqual(shapes.map((value) => value.context).sort(), [checkpointContext, stepContext].sort());
      const baseline = shapes[0]!;
      assert.equal(shapes[1]!.value, baseline.value, 'the same input, the same shape');
      assert.deepEqual(JSON.parse(baseline.detail!), { id: 'string', name: 'string', tax_id: 'string' });

      // The CRM renamed tax_id to vat_id: the schema still passes, the structure changed.
      const renamed = await app(`input-b-${kind.kind}`, {
        RUNPROOF_STORE: url,
        CALLS: '0',
        CUSTOMER: JSON.stringify({ id: 'C-1042', name: 'ACME GmbH', vat_id: 'DE811907980' }),
      });
      assert.deepEqual([renamed.code, renamed.stderr], [0, '']);
      const [validateB] = await spansOf(`input-b-${kind.kind}`, 'validate crm.customer', 1);
      const [stepB] = await spansOf(`input-b-${kind.kind}`, 'step enrich', 1);
      assert.equal(validateB!.attributes['runproof.validation.outcome'], 'pass');
      for (const span of [validateB!, stepB!]) {
        assert.equal(span.attributes['runproof.drift.detected'], true, span.name);
        const [event] = driftEvents(span);
        assert.deepEqual(event, {
          'runproof.drift.kind': 'input_shape',
          'runproof.drift.baseline': baseline.value,
          'runproof.drift.observed': event?.['runproof.drift.observed'],
          'runproof.drift.baseline_first_seen': iso(
            shapes.find((value) => value.context === (span === stepB ? stepContext : checkpointContext))!.firstSeen,
          ),
          'runproof.drift.baseline_source': 'store',
          'runproof.drift.fields_added': ['vat_id (string)'],
          'runproof.drift.fields_removed': ['tax_id (string)'],
        });
        assert.match(String(event?.['runproof.drift.observed']), /^[0-9a-f]{64}$/);
        assert.notEqual(event?.['runproof.drift.observed'], baseline.value);
      }
    });
  });
}

describe('a store that is down', () => {
  for (const [kind, url] of Object.entries(UNREACHABLE)) {
    test(`${kind}: calls are answered and traced as without a store, drift is judged per process, one warning without the password`, async () => {
      simulator.reset();
      // The provider moves the alias between the two calls.
      simulator.enqueue({ model: 'gpt-4o-mini-2024-07-18' }, { model: 'gpt-4o-mini-2025-07-18' });
      const started = Date.now();
      const down = await app(`down-${kind}`, { RUNPROOF_STORE: url });
      const elapsed = Date.now() - started;
      assert.equal(down.code, 0, down.stderr);
      assert.equal(down.stdout, 'gpt-4o-mini-2024-07-18\ngpt-4o-mini-2025-07-18\n');
      const lines = down.stderr.trim().split('\n');
      assert.equal(lines.length, 1, down.stderr);
      assert.match(
        lines[0]!,
        /^runproof: loading drift baselines in \S+ failed \(.+\); drift is judged per process until it answers$/,
      );
      assert.ok(!down.stderr.includes('hunter2'), down.stderr);

      simulator.reset();
      simulator.enqueue({ model: 'gpt-4o-mini-2024-07-18' }, { model: 'gpt-4o-mini-2025-07-18' });
      const controlStarted = Date.now();
      const control = await app(`control-${kind}`, {});
      const controlElapsed = Date.now() - controlStarted;
      assert.equal(control.code, 0, control.stderr);
      const chats = await spansOf(`down-${kind}`, 'chat gpt-4o-mini', 2);
      const controlChats = await spansOf(`control-${kind}`, 'chat gpt-4o-mini', 2);
      assert.deepEqual(
        chats.map((span) => Object.keys(span.attributes).sort()),
        controlChats.map((span) => Object.keys(span.attributes).sort()),
        'the same attributes as without a store',
      );
      const [event] = driftEvents(chats[1]!);
      assert.deepEqual(Object.keys(event ?? {}).sort(), Object.keys(driftEvents(controlChats[1]!)[0] ?? {}).sort());
      assert.equal(event?.['runproof.drift.baseline_source'], 'process');
      assert.equal(event?.['runproof.drift.observed'], 'gpt-4o-mini-2025-07-18');
      process.stdout.write(
        `# store down (${kind}): the app ran in ${elapsed} ms; without a store, ${controlElapsed} ms\n`,
      );
    });
  }
});

describe('a store that accepts connections and never answers (a stopped or overloaded server)', () => {
  for (const kind of ['postgres', 'redis'] as const) {
    test(`${kind}: calls are answered, one warning, and the app still ends on its own within seconds`, async (t) => {
      const sockets: Socket[] = [];
      const silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      t.after(() => {
        for (const socket of sockets) socket.destroy();
        silent.close();
      });
      const { port } = silent.address() as { port: number };
      const url =
        kind === 'postgres'
          ? `postgres://runproof:hunter2@127.0.0.1:${port}/runs`
          : `redis://:hunter2@127.0.0.1:${port}/0`;
      simulator.reset();
      const started = Date.now();
      const result = await runApp(fleetApp, {
        args: ['--import', '@runproof/core/register'],
        env: {
          OPENAI_BASE_URL: simulator.url,
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_SERVICE_NAME: `silent-${kind}`,
          NODE_NO_WARNINGS: '1',
          RUNPROOF_STORE: url,
        },
        timeoutMs: 20_000,
      });
      const elapsed = Date.now() - started;
      assert.deepEqual([result.code, result.signal, result.stdout], [0, null, 'gpt-4o-mini-2024-07-18\n'.repeat(2)]);
      assert.match(
        result.stderr,
        /^runproof: loading drift baselines in \S+ failed \(.+\); drift is judged per process until it answers\n$/,
      );
      assert.ok(!result.stderr.includes('hunter2'), result.stderr);
      assert.ok(sockets.length > 0, 'the store was reached');
      assert.ok(elapsed < 10_000, `the app ended after ${elapsed} ms`);
    });
  }
});
