// One run spread over two services, each its own process under --import @runproof/core/register:
// ROLE=advisor serves HTTP (prints its port) and, for each request, asks a model with the real
// `openai` client (OPENAI_BASE_URL) — a different model than the run's — inside the context it
// extracts, so its spans carry the caller's run id from W3C baggage. ROLE=checkout runs the signed
// run that asks its own model and then calls the advisor (ADVISOR_URL).
import { createServer } from 'node:http';
import OpenAI from 'openai';
import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { run, step } from '@runproof/core';

const client = new OpenAI({ maxRetries: 0 });
const ask = async (model, content) =>
  (await client.chat.completions.create({ model, messages: [{ role: 'user', content }] })).choices[0]?.message.content;

if (process.env.ROLE === 'advisor') {
  const server = createServer((request, response) => {
    context.with(propagation.extract(ROOT_CONTEXT, request.headers), async () => {
      response.end(await ask('gpt-4o', 'Is vendor 77 on the sanctions list?'));
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
  process.on('SIGTERM', () => server.close());
} else {
  await run('checkout', async () => {
    await step('draft', () => ask('gpt-4o-mini', 'Draft the payout note for vendor 77.'));
    return step('screen', async () => {
      const headers = {};
      propagation.inject(context.active(), headers);
      return (await fetch(process.env.ADVISOR_URL, { headers })).text();
    });
  });
}
