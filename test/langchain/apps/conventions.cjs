// A LangGraph agent on a thread, then a streamed chat, traced by the LangChain adapter alone
// (`start()` given only its instrumentation, so the OpenAI adapter does not enrich the model
// spans): what the LangChain adapter itself emits. Prints the answers.
const { start } = require('@runproof/core');
const { createInstrumentation } = require('@runproof/langchain-adapter');

start({ instrumentations: [createInstrumentation()] });

const { ChatOpenAI } = require('@langchain/openai');
const { MemorySaver } = require('@langchain/langgraph');
const { createAgent, tool } = require('langchain');
const { z } = require('zod');

const options = {
  model: 'gpt-4o-mini',
  configuration: { baseURL: process.env.SIMULATOR_URL },
  apiKey: 'test',
  maxRetries: 0,
};
const getWeather = tool(async ({ city }) => `22 degrees Celsius in ${city}`, {
  name: 'get_weather',
  description: 'Current weather in a city',
  schema: z.object({ city: z.string() }),
});
const agent = createAgent({
  model: new ChatOpenAI(options),
  tools: [getWeather],
  name: 'weather_agent',
  checkpointer: new MemorySaver(),
});

async function main() {
  const result = await agent.invoke(
    { messages: [{ role: 'user', content: 'Weather in Paris?' }] },
    { configurable: { thread_id: 'thread-paris' } },
  );
  let streamed = '';
  for await (const chunk of await new ChatOpenAI(options).stream('Say hello.')) streamed += chunk.content;
  process.stdout.write(`${JSON.stringify({ answer: result.messages.at(-1).content, streamed })}\n`);
}
main();
