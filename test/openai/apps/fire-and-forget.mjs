// A call that fails and that nobody awaits. Node reports it as an unhandled rejection; this app
// prints what it was given, instrumented or not.
import OpenAI from 'openai';

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection: ${reason?.constructor?.name}\n`);
});
const client = new OpenAI({ apiKey: 'sk-test', baseURL: process.env.SIMULATOR_URL, maxRetries: 0, logLevel: 'off' });
void client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Tell me about Paris.' }] });
await new Promise((resolve) => setTimeout(resolve, 300));
