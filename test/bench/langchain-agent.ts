/**
 * The LangChain workload: a `createAgent` agent with `ChatOpenAI` and one Zod-schema tool, doing a
 * two-turn tool loop per invocation — model (asks for the tool) → tool → model (answers). That is
 * three agent steps per invocation, the unit the LangChain table reports per.
 */
import { ChatOpenAI } from '@langchain/openai';
import { createAgent, tool } from 'langchain';
import { z } from 'zod';
import type { Simulator } from '../simulator/simulator.ts';
import { createRecordingFetch, type CannedResponse } from './canned-responses.ts';

/** Model call, tool call, model call. */
export const STEPS_PER_INVOCATION = 3;

const QUESTION = {
  messages: [{ role: 'user', content: 'Is invoice INV-2291 from Acme Corp safe to pay? Check the vendor first.' }],
};
const ANSWER = 'Acme Corp is a verified vendor with no open disputes, so INV-2291 can be paid.';

/** The two responses an invocation gets: the model's tool call, then its answer after the tool result. */
export interface AgentResponses {
  toolCall: CannedResponse;
  answer: CannedResponse;
}

export type Agent = ReturnType<typeof createBenchAgent>;

export function createBenchAgent(baseURL: string, fetch: typeof globalThis.fetch): ReturnType<typeof createAgent> {
  const model = new ChatOpenAI({
    model: 'gpt-4o-mini',
    temperature: 0,
    apiKey: 'bench',
    maxRetries: 0,
    configuration: { baseURL, fetch },
  });
  const lookupVendor = tool(
    async ({ vendor }) => `${vendor}: verified vendor since 2019, no open disputes, bank details unchanged.`,
    {
      name: 'lookup_vendor',
      description: 'Looks a vendor up in the accounts-payable vendor register',
      schema: z.object({ vendor: z.string() }),
    },
  );
  return createAgent({ model, tools: [lookupVendor], name: 'invoice_agent' });
}

/** One invocation; throws when the loop did not run as scripted, so a broken setup is noticed. */
export async function invokeOnce(agent: Agent): Promise<void> {
  const result = (await agent.invoke(QUESTION)) as { messages: readonly { type: string; content: unknown }[] };
  const messages = result.messages;
  if (messages.length !== 4 || messages.at(-1)?.content !== ANSWER) {
    throw new Error(`unexpected agent transcript: ${messages.map((message) => message.type).join(', ')}`);
  }
}

/**
 * Which canned response a request gets: after the tool result (a `tool` message in the request),
 * the answer; otherwise the tool call.
 */
export function isAfterToolResult(body: string): boolean {
  return body.includes('"role":"tool"');
}

/** Records the two responses from the simulator, through the same agent. */
export async function recordAgentResponses(simulator: Simulator): Promise<AgentResponses> {
  const recorder = createRecordingFetch();
  const recorded: CannedResponse[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const response = await recorder.fetch(input, init);
    recorded.push(recorder.take());
    return response;
  };
  simulator.enqueue(
    {
      toolCalls: [{ name: 'lookup_vendor', arguments: { vendor: 'Acme Corp' } }],
      usage: { inputTokens: 92, outputTokens: 18 },
    },
    { reply: ANSWER, usage: { inputTokens: 141, outputTokens: 21 } },
  );
  await invokeOnce(createBenchAgent(simulator.url, fetch));
  if (recorded.length !== 2) throw new Error(`bench: expected 2 model requests, recorded ${recorded.length}`);
  return { toolCall: recorded[0]!, answer: recorded[1]! };
}
