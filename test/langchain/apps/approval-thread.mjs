// A user's LangGraph approval flow, instrumented only by `--import @runproof/core/register`: the
// thread pauses at interrupt() in one process, and another process resumes it from the checkpointer.
//   node --import @runproof/core/register approval-thread.mjs start|resume json|sqlite <file> <thread id> [decision]
// `enrich` (a model call) and `review` (the interrupt) run side by side; `book` (a model call) after both.
import { ChatOpenAI } from '@langchain/openai';
import { Annotation, Command, END, interrupt, START, StateGraph } from '@langchain/langgraph';
import { JsonFileSaver } from './json-file-saver.mjs';

const [phase, saverKind, file, threadId, decision = 'approved'] = process.argv.slice(2);

async function openCheckpointer() {
  if (saverKind === 'json') return new JsonFileSaver(file);
  const { SqliteSaver } = await import('@langchain/langgraph-checkpoint-sqlite');
  return SqliteSaver.fromConnString(file);
}

const model = new ChatOpenAI({
  model: 'gpt-4o-mini',
  configuration: { baseURL: process.env.SIMULATOR_URL },
  apiKey: 'test',
  maxRetries: 0,
});
const State = Annotation.Root({
  amount: Annotation(),
  notes: Annotation(),
  decision: Annotation(),
  confirmation: Annotation(),
});
const graph = new StateGraph(State)
  .addNode('enrich', async (state) => ({
    notes: (await model.invoke(`Summarise invoice of ${state.amount} EUR`)).content,
  }))
  .addNode('review', (state) => ({ decision: interrupt({ question: `Approve ${state.amount} EUR?` }) }))
  .addNode('book', async (state) => ({ confirmation: (await model.invoke(`Book it: ${state.decision}`)).content }))
  .addEdge(START, 'enrich')
  .addEdge(START, 'review')
  .addEdge(['enrich', 'review'], 'book')
  .addEdge('book', END)
  .compile({ checkpointer: await openCheckpointer(), name: 'approval' });

const config = { configurable: { thread_id: threadId } };
const result = await graph.invoke(phase === 'start' ? { amount: 1280 } : new Command({ resume: decision }), config);
const paused = result.__interrupt__ !== undefined;
process.stdout.write(
  `${JSON.stringify(paused ? { paused, question: result.__interrupt__[0].value.question } : { paused, notes: result.notes, decision: result.decision, confirmation: result.confirmation })}\n`,
);
