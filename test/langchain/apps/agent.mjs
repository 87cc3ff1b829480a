// A user's ESM agent app, instrumented only by `--import @runproof/core/register`.
import { trace } from '@opentelemetry/api';
import { ChatOpenAI } from '@langchain/openai';
import { createAgent, tool } from 'langchain';
import { z } from 'zod';

const model = new ChatOpenAI({
  model: 'gpt-4o-mini',
  configuration: { baseURL: process.env.SIMULATOR_URL },
  apiKey: 'test',
  maxRetries: 0,
});
const getWeather = tool(
  async ({ city }) => {
    trace.getTracer('user-app').startSpan('lookup forecast').end();
    return `22 degrees Celsius in ${city}`;
  },
  { name: 'get_weather', description: 'Current weather in a city', schema: z.object({ city: z.string() }) },
);
const agent = createAgent({ model, tools: [getWeather], name: 'weather_agent' });
const result = await agent.invoke({ messages: [{ role: 'user', content: 'Weather in Paris?' }] });
process.stdout.write(`${JSON.stringify({ answer: result.messages.at(-1).content })}\n`);
