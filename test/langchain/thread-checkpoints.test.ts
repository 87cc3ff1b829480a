// What Runproof saves with a LangGraph thread's checkpoints, and what happens when a checkpointer
// will not save it. The resume in another process is in thread-resume.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { Annotation, Command, END, interrupt, MemorySaver, START, StateGraph } from '@langchain/langgraph';
import { createLangChainHarness } from './harness.ts';

const harness = createLangChainHarness();

function createApprovalGraph(checkpointer: MemorySaver) {
  const State = Annotation.Root({ amount: Annotation<number>, decision: Annotation<string> });
  return new StateGraph(State)
    .addNode('review', (state) => ({
      decision: interrupt<{ question: string }, string>({ question: `Approve ${state.amount}?` }),
    }))
    .addNode('book', (state) => ({ decision: `${state.decision}: booked` }))
    .addEdge(START, 'review')
    .addEdge('review', 'book')
    .addEdge('book', END)
    .compile({ checkpointer, name: 'approval' });
}

/** A user's checkpointer that accepts only the metadata keys LangGraph itself writes. */
class StrictSaver extends MemorySaver {
  override async put(...args: Parameters<MemorySaver['put']>): ReturnType<MemorySaver['put']> {
    const unknown = Object.keys(args[2]).filter((key) => !['source', 'step', 'parents'].includes(key));
    if (unknown.length > 0) throw new Error(`unknown checkpoint metadata: ${unknown.join(', ')}`);
    return super.put(...args);
  }
}

test("every checkpoint of a thread's graph carries Runproof's entry: the run id and the graph span that wrote it", async () => {
  await harness.reset();
  const saver = new MemorySaver();
  const config = { configurable: { thread_id: 'invoice-51' } };
  await createApprovalGraph(saver).invoke({ amount: 51 }, config);
  const graph = harness.span('approval').spanContext();
  const runId = harness.span('approval').attributes['runproof.run.id'];
  const saved: (Record<string, unknown> | undefined)[] = [];
  for await (const tuple of saver.list(config)) saved.push(tuple.metadata);
  assert.equal(saved.length, 2, 'the input checkpoint and the one before review');
  for (const metadata of saved)
    assert.deepEqual(metadata?.runproof, {
      run_id: runId,
      trace_id: graph.traceId,
      span_id: graph.spanId,
      trace_flags: 1,
    });
});

test("a checkpointer that refuses Runproof's entry saves every checkpoint without it, warned once, and the resume in the same process continues the run", async () => {
  await harness.reset();
  const warnings: string[] = [];
  diag.setLogger(
    {
      error: () => {},
      warn: (message) => void warnings.push(message),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  );
  try {
    const saver = new StrictSaver();
    const graph = createApprovalGraph(saver);
    const config = { configurable: { thread_id: 'invoice-52' } };
    const paused = await graph.invoke({ amount: 52 }, config);
    assert.ok('__interrupt__' in paused);
    const interrupted = harness.span('approval');
    await harness.reset();
    const resumed = await graph.invoke(new Command({ resume: 'approved' }), config);
    assert.equal(resumed.decision, 'approved: booked');
    assert.deepEqual(harness.span('approval').attributes, {
      'gen_ai.conversation.id': 'invoice-52',
      'runproof.run.id': interrupted.attributes['runproof.run.id'],
      'runproof.run.continuation': 'resume',
    });
    assert.deepEqual(harness.span('approval').links[0]?.context, interrupted.spanContext());
    const saved = [];
    for await (const tuple of saver.list(config)) saved.push(Object.keys(tuple.metadata ?? {}).sort());
    assert.equal(saved.length, 4);
    for (const keys of saved) assert.deepEqual(keys, ['parents', 'source', 'step']);
    assert.deepEqual(warnings, [
      "runproof: a LangGraph checkpointer did not save Runproof's entry in a checkpoint's metadata; threads it saves continue their run only in the process that saw them pause",
    ]);
  } finally {
    diag.disable();
  }
});

/** Copies thread `from` of `source` into `target` as thread `to`, its metadata passed through `edit`. */
async function copyThread(
  source: MemorySaver,
  target: MemorySaver,
  from: string,
  to: string,
  edit: (metadata: Record<string, unknown>) => Record<string, unknown>,
) {
  const tuples = [];
  for await (const tuple of source.list({ configurable: { thread_id: from } })) tuples.unshift(tuple);
  for (const tuple of tuples) {
    const parentId = tuple.parentConfig?.configurable?.checkpoint_id as string | undefined;
    const saved = await target.put(
      { configurable: { thread_id: to, checkpoint_ns: '', checkpoint_id: parentId } },
      tuple.checkpoint,
      edit({ ...tuple.metadata }) as never,
    );
    for (const [taskId, channel, value] of tuple.pendingWrites ?? [])
      await target.putWrites(saved, [[channel, value]], taskId);
  }
}

test("a thread paused where this process did not see it continues the run its checkpoint's entry names, and runs as a new run when the entry is missing or unreadable", async () => {
  await harness.reset();
  const paused = new MemorySaver();
  await createApprovalGraph(paused).invoke({ amount: 53 }, { configurable: { thread_id: 'invoice-53' } });
  const interrupted = harness.span('approval');
  const valid = {
    run_id: 'run-53',
    trace_id: interrupted.spanContext().traceId,
    span_id: interrupted.spanContext().spanId,
    trace_flags: 1,
  };
  for (const [entry, label] of [
    [valid, 'a valid entry'],
    [undefined, 'no entry'],
    ['approved by finance', 'an entry that is not an object'],
    [{ ...valid, trace_id: '0'.repeat(32) }, 'an invalid trace id'],
    [{ ...valid, span_id: 'not a span id' }, 'an invalid span id'],
    [{ ...valid, run_id: 53 }, 'a run id that is not a string'],
  ] as const) {
    const copy = new MemorySaver();
    await copyThread(paused, copy, 'invoice-53', `copied, ${label}`, (metadata) => ({ ...metadata, runproof: entry }));
    await harness.reset();
    const resumed = await createApprovalGraph(copy).invoke(new Command({ resume: 'approved' }), {
      configurable: { thread_id: `copied, ${label}` },
    });
    assert.equal(resumed.decision, 'approved: booked', label);
    const graph = harness.span('approval');
    if (entry === valid) {
      assert.deepEqual(graph.attributes, {
        'gen_ai.conversation.id': `copied, ${label}`,
        'runproof.run.id': 'run-53',
        'runproof.run.continuation': 'resume',
      });
      assert.deepEqual(
        graph.links.map((link) => [link.context, link.attributes]),
        [
          [
            { traceId: valid.trace_id, spanId: valid.span_id, traceFlags: 1, isRemote: true },
            { 'runproof.run.continuation': 'resume' },
          ],
        ],
      );
    } else {
      assert.deepEqual(
        graph.attributes,
        {
          'gen_ai.conversation.id': `copied, ${label}`,
          'runproof.run.id': graph.attributes['runproof.run.id'],
          'runproof.run.continuation': 'new',
        },
        label,
      );
      assert.notEqual(graph.attributes['runproof.run.id'], 'run-53', label);
      assert.deepEqual(graph.links, [], label);
    }
  }
});
