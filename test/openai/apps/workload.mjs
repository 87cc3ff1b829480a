// What the auto-instrumented apps do: one call of each surface, inside a run. Prints what the
// caller received, so the test can build the exact attributes each span must carry.
import { run } from '@runproof/core';

const QUESTION = 'Capital of France?';

export async function workload(OpenAI) {
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: process.env.SIMULATOR_URL, maxRetries: 0, logLevel: 'off' });
  const result = await run('auto-instrumented', async (current) => {
    const chat = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: QUESTION },
      ],
      temperature: 0,
    });

    const streamed = await client.chat.completions
      .create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: QUESTION }],
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    const chatStream = { requestId: streamed.request_id };
    for await (const chunk of streamed.data) {
      chatStream.id = chunk.id;
      chatStream.systemFingerprint = chunk.system_fingerprint;
      if (chunk.usage) chatStream.usage = chunk.usage;
    }

    const response = await client.responses.create({
      model: 'gpt-4o-mini',
      instructions: 'Be brief.',
      input: QUESTION,
    });

    const events = await client.responses
      .create({ model: 'gpt-4o-mini', input: QUESTION, stream: true })
      .withResponse();
    const responseStream = { requestId: events.request_id };
    for await (const event of events.data) {
      if (event.type === 'response.completed')
        Object.assign(responseStream, { id: event.response.id, usage: event.response.usage });
    }

    const embedding = await client.embeddings.create({ model: 'text-embedding-3-small', input: QUESTION });

    return {
      runId: current.id,
      chat: { id: chat.id, requestId: chat._request_id, usage: chat.usage, systemFingerprint: chat.system_fingerprint },
      chatStream,
      response: { id: response.id, requestId: response._request_id, usage: response.usage },
      responseStream,
      embedding: {
        requestId: embedding._request_id,
        usage: embedding.usage,
        dimensions: embedding.data[0].embedding.length,
      },
    };
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
