// Spans of a signed run that end after its run span: the run hands a streamed completion back to
// its caller, who reads it after run() has returned (what a route handler that streams does), and
// a callback the run scheduled starts a span of its own once the run is over. The real `openai`
// client against the simulator (OPENAI_BASE_URL).
import OpenAI from 'openai';
import { context, trace } from '@opentelemetry/api';
import { run, step } from '@runproof/core';

const client = new OpenAI({ maxRetries: 0 });
let later;
const stream = await run('answer-stream', async () => {
  await step('retrieve', () => 'context');
  const scheduled = context.active();
  later = () => context.with(scheduled, () => trace.getTracer('late-spans').startSpan('audit write').end());
  return client.chat.completions.create({
    model: 'gpt-4o-mini',
    stream: true,
    messages: [{ role: 'user', content: 'Summarize the refund policy in one sentence.' }],
  });
});
let text = '';
for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
later();
process.stdout.write(text.length > 0 ? 'read\n' : 'empty\n');
