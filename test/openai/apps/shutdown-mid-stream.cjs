// A CommonJS app that shuts Runproof down while it is still reading a stream, and while a second
// request is in flight. Both calls' spans are exported, with what was seen.
const { start } = require('@runproof/core');

const runproof = start();
const OpenAI = require('openai').default;

async function main() {
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: process.env.SIMULATOR_URL, maxRetries: 0, logLevel: 'off' });
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Tell me about Paris.' }],
    stream: true,
  });
  const iterator = stream[Symbol.asyncIterator]();
  for (let read = 0; read < 3; read++) await iterator.next();
  const pending = client.embeddings.create({ model: 'text-embedding-3-small', input: 'Paris' });
  pending.catch(() => {});
  await runproof.shutdown();
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
