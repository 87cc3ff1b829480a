import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';

// Boundaries and checks through the real openai client against the simulator, spans checked where
// they arrive: at an OTLP receiver.
const app = fileURLToPath(new URL('./apps/guarded-agent.mjs', import.meta.url));
let receiver: OtlpReceiver;
let sim: Simulator;
before(async () => {
  receiver = await startOtlpReceiver();
  sim = await startSimulator({ chunkDelayMs: 0 });
});
after(async () => {
  await receiver.close();
  await sim.close();
});
beforeEach(() => sim.reset());

interface Outcome {
  ok: boolean;
  kind?: string;
  code?: string;
  rule?: string;
  issues?: { code: string; path: (string | number)[] }[];
  ran: string[];
}

async function runScenario(scenario: string): Promise<{ outcome: Outcome; spans: ReceivedSpan[]; stderr: string }> {
  const seen = receiver.spans.length;
  const result = await runApp(app, {
    args: ['--import', '@runproof/core/register'],
    env: {
      SCENARIO: scenario,
      SIMULATOR_URL: sim.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    },
  });
  assert.equal(result.code, 0, result.stderr);
  const outcome = JSON.parse(result.stdout) as Outcome;
  const spans = await receiver.waitFor((received) =>
    received.slice(seen).some((span) => span.name.startsWith('invoke_workflow')),
  );
  return { outcome, spans: spans.slice(seen), stderr: result.stderr };
}

const named = (spans: ReceivedSpan[], name: string) => spans.filter((span) => span.name === name);

test('a disallowed model halts before the request: the simulator receives nothing', async () => {
  const { outcome, spans } = await runScenario('disallowed-model');
  assert.deepEqual(outcome, {
    ok: false,
    kind: 'boundary',
    code: 'RUNPROOF_BOUNDARY_HALT',
    rule: 'allowed_models',
    ran: [],
  });
  assert.equal(sim.requests.length, 0);
  const [chat] = named(spans, 'chat gpt-4.1');
  assert.equal(chat?.attributes['runproof.boundary.decision'], 'halt');
  assert.equal(chat?.attributes['runproof.boundary.rule'], 'allowed_models');
  assert.equal(chat?.attributes['runproof.boundary.policy'], 'mini-only');
  assert.equal(chat?.attributes['error.type'], 'RUNPROOF_BOUNDARY_HALT');
  assert.equal(chat?.status.code, 'STATUS_CODE_ERROR');
  const violation = chat?.events.find((event) => event.name === 'runproof.boundary.violation');
  assert.deepEqual(
    {
      limit: violation?.attributes?.['runproof.boundary.limit'],
      observed: violation?.attributes?.['runproof.boundary.observed'],
      decision: violation?.attributes?.['runproof.boundary.decision'],
    },
    { limit: 'gpt-4o-mini*', observed: 'gpt-4.1', decision: 'halt' },
  );
  assert.equal(named(spans, 'invoke_workflow triage')[0]?.attributes['runproof.run.outcome'], 'halted');
});

test('the third tool call over a limit of two is escalated under an escalate policy, and halted under a halt policy', async () => {
  sim.enqueue({ toolCalls: [{ name: 'lookup_vendor', arguments: { vendor: 'ACME' } }], times: 3 });
  const escalated = await runScenario('tool-escalate');
  assert.deepEqual(escalated.outcome, { ok: true, ran: ['ACME', 'ACME', 'ACME'] });
  assert.match(escalated.stderr, /escalated max_tool_calls/);
  assert.deepEqual(
    named(escalated.spans, 'execute_tool lookup_vendor').map((span) => span.attributes['runproof.boundary.decision']),
    ['allow', 'allow', 'escalate'],
  );
  assert.equal(named(escalated.spans, 'invoke_workflow triage')[0]?.attributes['runproof.run.outcome'], 'escalated');

  sim.reset();
  sim.enqueue({ toolCalls: [{ name: 'lookup_vendor', arguments: { vendor: 'ACME' } }], times: 3 });
  const halted = await runScenario('tool-halt');
  assert.deepEqual(halted.outcome, {
    ok: false,
    kind: 'boundary',
    code: 'RUNPROOF_BOUNDARY_HALT',
    rule: 'max_tool_calls',
    ran: ['ACME', 'ACME'],
  });
  const tools = named(halted.spans, 'execute_tool lookup_vendor');
  assert.deepEqual(
    tools.map((span) => span.attributes['runproof.boundary.decision']),
    ['allow', 'allow', 'halt'],
  );
  // What completed stays recorded: three model calls and two tool runs, then the halted run.
  assert.equal(named(halted.spans, 'chat gpt-4o-mini').length, 3);
  assert.equal(named(halted.spans, 'invoke_workflow triage')[0]?.attributes['runproof.run.outcome'], 'halted');
});

test('a token budget stops a call whose max_tokens ceiling would exceed it, before it is sent', async () => {
  const { outcome, spans } = await runScenario('token-budget');
  assert.deepEqual(outcome, {
    ok: false,
    kind: 'boundary',
    code: 'RUNPROOF_BOUNDARY_HALT',
    rule: 'max_total_tokens',
    ran: [],
  });
  assert.equal(sim.requests.length, 1, 'only the first call was sent');
  const chats = named(spans, 'chat gpt-4o-mini');
  assert.deepEqual(
    chats.map((span) => span.attributes['runproof.boundary.decision']),
    ['allow', 'halt'],
  );
  assert.equal(chats[1]?.attributes['runproof.boundary.rule'], 'max_total_tokens');
});

test('a structured output of the wrong shape is validation outcome fail with the issue path', async () => {
  sim.enqueue({ json: { vendor: 'ACME', amount: '1,280.50' } });
  const { outcome, spans } = await runScenario('wrong-shape');
  assert.deepEqual(outcome, { ok: true, ran: [] }, 'record mode: the caller still gets the response');
  const [chat] = named(spans, 'chat gpt-4o-mini');
  assert.equal(chat?.attributes['runproof.validation.outcome'], 'fail');
  assert.equal(chat?.attributes['runproof.validation.checkpoint'], 'response_format');
  assert.equal(chat?.attributes['runproof.validation.issue_count'], 1);
  // The schema is part of the call's declared conditions: its digest is in the fingerprint, not repeated here.
  assert.equal(chat?.attributes['runproof.validation.schema.digest'], undefined);
  const failure = chat?.events.find((event) => event.name === 'runproof.validation.failure');
  assert.deepEqual(failure?.attributes?.['runproof.validation.issue.paths'], ['amount']);
  assert.deepEqual(failure?.attributes?.['runproof.validation.issue.codes'], ['type']);
  assert.ok(!JSON.stringify(chat).includes('1,280.50'), 'no value leaves the process without content capture');
});

test('a tool call with bad arguments is fail on the model span, and the enforced tool never runs', async () => {
  sim.enqueue({ toolCalls: [{ name: 'lookup_vendor', arguments: { vendor: 42 } }] });
  const { outcome, spans } = await runScenario('bad-arguments');
  assert.equal(outcome.ok, false);
  assert.equal(outcome.kind, 'validation');
  assert.deepEqual(outcome.ran, []);
  const [chat] = named(spans, 'chat gpt-4o-mini');
  assert.equal(chat?.attributes['runproof.validation.outcome'], 'fail');
  assert.equal(chat?.attributes['runproof.validation.checkpoint'], 'tool_calls');
  const failure = chat?.events.find((event) => event.name === 'runproof.validation.failure');
  assert.deepEqual(failure?.attributes?.['runproof.validation.issue.paths'], ['tool_calls[0].vendor']);
  const [toolSpan] = named(spans, 'execute_tool lookup_vendor');
  assert.equal(toolSpan?.attributes['runproof.validation.outcome'], 'fail');
  assert.equal(toolSpan?.attributes['runproof.validation.checkpoint'], 'lookup_vendor.arguments');
  assert.equal(toolSpan?.attributes['error.type'], 'RUNPROOF_VALIDATION_FAILED');
});
