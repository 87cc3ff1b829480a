// A CommonJS app that starts Runproof in code (no --import) before it requires openai.
const { run, start } = require('@runproof/core');

const runproof = start({ serviceName: process.env.SERVICE_NAME, metricExporters: ['none'] });
const OpenAI = require('openai');

const client = new OpenAI({ apiKey: 'sk-test', baseURL: process.env.SIMULATOR_URL, maxRetries: 0 });
run('packed-start', async (current) => {
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
  process.stdout.write(`${JSON.stringify({ runId: current.id })}\n`);
}).then(() => runproof.shutdown());
