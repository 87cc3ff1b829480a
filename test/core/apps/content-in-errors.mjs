// Three failures whose messages quote content, each in its own run, as an app would meet them:
// a tool that puts its input in its error, JSON.parse of a completion that is not JSON, and a
// provider 400 that quotes the prompt. Prints, per case, the run id and the error the app caught.
import OpenAI from 'openai';
import { run, step, tool } from '@runproof/core';

const client = new OpenAI({ apiKey: 'sk-test', baseURL: process.env.SIMULATOR_URL, maxRetries: 0, logLevel: 'off' });
const caught = {};
const attempt = async (name, work) => {
  let runId;
  try {
    await run(name, (current) => {
      runId = current.id;
      return work();
    });
  } catch (error) {
    caught[name] = { runId, type: error.constructor.name, message: error.message, stack: error.stack };
  }
};

const chargeCard = tool('charge_card', ({ card }) => {
  throw new Error(`card ${card} was declined`);
});
await attempt('checkout', () => chargeCard({ card: '4111 1111 1111 1111' }));

await attempt('invoice-extract', () =>
  step('parse', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Extract the invoice total as JSON.' }],
    });
    return JSON.parse(completion.choices[0].message.content);
  }),
);

await attempt('support-reply', () =>
  client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'My card 4111 1111 1111 1111 was charged twice.' }],
  }),
);

process.stdout.write(JSON.stringify(caught));
