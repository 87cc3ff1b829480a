/**
 * The OpenAI, guarded and LangChain apps and a durable worker, in a real Jaeger v2
 * (test/backends/jaeger.ts), exporting over OTLP/HTTP to Jaeger and to a trace file: through
 * Jaeger's own query API every span is exactly what was exported, and a search by each decision,
 * outcome, rule, model and run id finds exactly the runs that had it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { removeFolder, temporaryFolder } from '../support/server-process.ts';
import { assertShownAsExported, foundTraces, tracesInOrder } from './jaeger-checks.ts';
import { searchUiTraces, type TraceSearch } from './jaeger-api.ts';
import { jaegerProgram, startJaeger, type Jaeger } from './jaeger.ts';
import { sortSpans, stringAttribute, treeLines, type Span } from './otlp-spans.ts';
import {
  GUARDED_SCENARIOS,
  LANGCHAIN_APP,
  OPENAI_APP,
  WORKER_APP,
  runGuarded,
  runTraced,
  traceFileIn,
  withSimulator,
} from './workloads.ts';

describe('the apps in Jaeger', { skip: jaegerProgram.skip }, () => {
  let jaeger: Jaeger;
  let folder: string;
  before(async () => {
    folder = temporaryFolder('jaeger-apps');
    jaeger = await startJaeger();
  });
  after(async () => {
    await jaeger?.stop();
    if (folder !== undefined) removeFolder(folder);
  });

  const destination = (service: string, label?: string) => ({
    service,
    endpoint: jaeger.otlpUrl,
    traceFile: traceFileIn(folder, service, label),
  });
  const found = (search: TraceSearch) => foundTraces(jaeger.queryUrl, search);

  describe('boundaries and checks (the guarded app)', () => {
    const service = 'guarded-agent';
    const scenarios = Object.keys(GUARDED_SCENARIOS) as (keyof typeof GUARDED_SCENARIOS)[];
    let spans: Span[];
    const trace: Partial<Record<keyof typeof GUARDED_SCENARIOS, string>> = {};
    before(async () => {
      const results = await Promise.all(
        scenarios.map((scenario) => runGuarded(scenario, destination(service, scenario))),
      );
      results.forEach((result, index) => (trace[scenarios[index]!] = result.spans[0]!.traceId));
      spans = sortSpans(results.flatMap((result) => result.spans));
    });

    test('is stored exactly as exported and shown by the UI as its documented conversion, violation and failure events included', async () => {
      await assertShownAsExported(jaeger.queryUrl, service, spans);
    });

    test('a search by each decision, outcome, rule and model tag finds exactly the runs that had it', async () => {
      const expectations: [Record<string, string>, (keyof typeof GUARDED_SCENARIOS)[]][] = [
        [{ 'runproof.boundary.decision': 'halt' }, ['disallowed-model']],
        [{ 'runproof.boundary.decision': 'escalate' }, ['tool-escalate']],
        [{ 'runproof.boundary.rule': 'allowed_models' }, ['disallowed-model']],
        [{ 'runproof.boundary.rule': 'max_tool_calls' }, ['tool-escalate']],
        [{ 'runproof.run.outcome': 'halted' }, ['disallowed-model']],
        [{ 'runproof.run.outcome': 'escalated' }, ['tool-escalate']],
        [{ 'runproof.run.outcome': 'failed' }, ['bad-arguments']],
        [{ 'runproof.run.outcome': 'completed' }, ['wrong-shape']],
        [{ 'runproof.validation.outcome': 'fail' }, ['bad-arguments', 'wrong-shape']],
        // Both tags on one span: the model call whose tool call arguments failed.
        [{ 'runproof.validation.outcome': 'fail', 'runproof.validation.checkpoint': 'tool_calls' }, ['bad-arguments']],
        [{ 'gen_ai.request.model': 'gpt-4.1' }, ['disallowed-model']],
        // Failed spans carry error.type, the error's code: that search works...
        [{ 'error.type': 'RUNPROOF_BOUNDARY_HALT' }, ['disallowed-model']],
        [{ 'error.type': 'RUNPROOF_VALIDATION_FAILED' }, ['bad-arguments']],
        // ...while the UI's error=true finds nothing in Jaeger's memory storage (this release reads
        // the tag as a bool, but the search passes it on as the string "true").
        [{ error: 'true' }, []],
      ];
      for (const [tags, expected] of expectations) {
        assert.deepEqual(
          await found({ service, tags }),
          expected.map((scenario) => trace[scenario]).sort(),
          JSON.stringify(tags),
        );
      }
    });

    test('an array attribute is shown, and found, as its JSON text', async () => {
      assert.deepEqual(await found({ service, tags: { 'runproof.validation.issue.paths': '["amount"]' } }), [
        trace['wrong-shape'],
      ]);
      assert.deepEqual(await found({ service, tags: { 'runproof.validation.issue.paths': 'amount' } }), []);
    });
  });

  describe('the OpenAI and LangChain apps', () => {
    let openai: Span[];
    let langchain: Span[];
    before(async () => {
      [openai, langchain] = await withSimulator((simulator) =>
        Promise.all([
          runTraced(OPENAI_APP, { ...destination('openai-app'), env: { SIMULATOR_URL: simulator.url } }).then(
            (run) => run.spans,
          ),
          runTraced(LANGCHAIN_APP, { ...destination('langchain-agent'), env: { SIMULATOR_URL: simulator.url } }).then(
            (run) => run.spans,
          ),
        ]),
      );
    });

    test('the OpenAI app: one run of five model calls, stored and shown as exported, found by each model', async () => {
      await assertShownAsExported(jaeger.queryUrl, 'openai-app', openai);
      assert.deepEqual(treeLines(openai), [
        'invoke_workflow auto-instrumented INTERNAL',
        '  chat gpt-4o-mini CLIENT',
        '  chat gpt-4o-mini CLIENT',
        '  chat gpt-4o-mini CLIENT',
        '  chat gpt-4o-mini CLIENT',
        '  embeddings text-embedding-3-small CLIENT',
      ]);
      const [traceId] = tracesInOrder(openai);
      assert.deepEqual(
        await found({ service: 'openai-app', tags: { 'gen_ai.request.model': 'text-embedding-3-small' } }),
        [traceId],
      );
      assert.deepEqual(
        await found({
          service: 'openai-app',
          tags: { 'runproof.run.id': stringAttribute(openai[0]!, 'runproof.run.id')! },
        }),
        [traceId],
      );
    });

    test("the LangChain agent: its steps, model calls and tool, and the app's own span under the tool, stored and shown as exported", async () => {
      await assertShownAsExported(jaeger.queryUrl, 'langchain-agent', langchain);
      assert.deepEqual(treeLines(langchain), [
        'invoke_agent weather_agent INTERNAL',
        '  step __start__ INTERNAL',
        '  step model_request INTERNAL',
        '    chat gpt-4o-mini CLIENT',
        '    RunnableLambda INTERNAL',
        '  step tools INTERNAL',
        '    execute_tool get_weather INTERNAL',
        '      lookup forecast INTERNAL',
        '  step model_request INTERNAL',
        '    chat gpt-4o-mini CLIENT',
        '    RunnableLambda INTERNAL',
      ]);
      assert.deepEqual(
        await found({ service: 'langchain-agent', tags: { 'gen_ai.request.model': 'gpt-4o-mini' } }),
        tracesInOrder(langchain),
      );
    });
  });

  describe('a durable run retried after a failure', () => {
    const service = 'invoice-worker';
    const runId = 'invoice-retried-1';
    let first: Span[];
    let second: Span[];
    before(async () => {
      const env = { RUN_ID: runId, RUNPROOF_STORE: `sqlite:${folder}/runs.db`, MAX_MODEL_CALLS: '10' };
      await withSimulator(async (simulator) => {
        first = (
          await runTraced(
            WORKER_APP,
            { ...destination(service, 'first'), env: { ...env, OPENAI_BASE_URL: simulator.url, FAIL_IN_STEP: '2' } },
            1,
          )
        ).spans;
        second = (
          await runTraced(WORKER_APP, {
            ...destination(service, 'second'),
            env: { ...env, OPENAI_BASE_URL: simulator.url },
          })
        ).spans;
      });
    });

    test('both attempts are stored exactly as exported, and shown with their links as FOLLOWS_FROM references', async () => {
      await assertShownAsExported(jaeger.queryUrl, service, sortSpans([...first, ...second]));
    });

    test('runproof.run.id finds both attempts; the second links to the first, its replayed step to the span the step ran in', async () => {
      const [firstTrace, secondTrace] = [tracesInOrder(first)[0]!, tracesInOrder(second)[0]!];
      assert.deepEqual(await found({ service, tags: { 'runproof.run.id': runId } }), [firstTrace, secondTrace].sort());
      assert.deepEqual(await found({ service, tags: { 'runproof.run.outcome': 'failed' } }), [firstTrace]);
      assert.deepEqual(await found({ service, tags: { 'runproof.run.outcome': 'completed' } }), [secondTrace]);
      assert.deepEqual(await found({ service, tags: { 'runproof.step.replayed': 'true' } }), [secondTrace]);

      const [shown] = await searchUiTraces(jaeger.queryUrl, { service, tags: { 'runproof.step.replayed': 'true' } });
      const named = (spans: Span[], name: string) => spans.find((span) => span.name === name)!.spanId;
      const references = (name: string) =>
        shown!.spans
          .find(
            (span) =>
              span.operationName === name && span.references.some((reference) => reference.refType === 'FOLLOWS_FROM'),
          )
          ?.references.filter((reference) => reference.refType === 'FOLLOWS_FROM');
      assert.deepEqual(references('invoke_workflow invoice-triage'), [
        { refType: 'FOLLOWS_FROM', traceID: firstTrace, spanID: named(first, 'invoke_workflow invoice-triage') },
      ]);
      assert.deepEqual(references('step extract'), [
        { refType: 'FOLLOWS_FROM', traceID: firstTrace, spanID: named(first, 'step extract') },
      ]);
    });
  });
});
