/**
 * The calls each configuration makes: the same `openai` client, the same requests, the same
 * simulator. A batch of calls is split into units of `callsPerRun` sequential calls (a unit is one
 * `run()` for Runproof, plain code for everyone else); `concurrency` workers take units in turn.
 */
import type OpenAI from 'openai';

export type WorkloadId =
  | 'chat'
  | 'stream'
  | 'concurrent'
  | 'structured'
  | 'prompt-1k'
  | 'prompt-10k'
  | 'prompt-100k'
  | 'prompt-1m'
  | 'conversation-10'
  | 'conversation-100'
  | 'conversation-1000';

export interface Workload {
  id: WorkloadId;
  label: string;
  concurrency: number;
  stream: boolean;
  structured: boolean;
  /** Roughly what a call costs relative to a plain chat call; a batch makes `calls / weight` calls. */
  weight: number;
  /** Scaling workloads: a chat call whose user prompt has this many characters… */
  promptCharacters?: number;
  /** …or whose conversation has this many messages before the last question. */
  conversationMessages?: number;
}

export const WORKLOADS: readonly Workload[] = [
  { id: 'chat', label: 'chat, non-streaming', concurrency: 1, stream: false, structured: false, weight: 1 },
  { id: 'stream', label: 'chat, streaming with usage', concurrency: 1, stream: true, structured: false, weight: 4 },
  { id: 'concurrent', label: 'chat, 16 concurrent', concurrency: 16, stream: false, structured: false, weight: 1 },
  {
    id: 'structured',
    label: 'chat, JSON-schema structured output',
    concurrency: 1,
    stream: false,
    structured: true,
    weight: 1,
  },
];

/**
 * How the cost grows with the request (`--workloads prompt-1k,…`, not run by default): a chat call
 * whose user prompt is 1 KB to 1 MB of text, or that carries a conversation of 10 to 1000 earlier
 * messages (user and assistant turns of about 200 characters). The prompt and the conversation are
 * built once and reused by every call, as an app resends its history; the response is the chat one.
 */
export const SCALING_WORKLOADS: readonly Workload[] = [
  {
    id: 'prompt-1k',
    label: 'chat, 1 KB prompt',
    concurrency: 1,
    stream: false,
    structured: false,
    weight: 1,
    promptCharacters: 1_000,
  },
  {
    id: 'prompt-10k',
    label: 'chat, 10 KB prompt',
    concurrency: 1,
    stream: false,
    structured: false,
    weight: 1,
    promptCharacters: 10_000,
  },
  {
    id: 'prompt-100k',
    label: 'chat, 100 KB prompt',
    concurrency: 1,
    stream: false,
    structured: false,
    weight: 4,
    promptCharacters: 100_000,
  },
  {
    id: 'prompt-1m',
    label: 'chat, 1 MB prompt',
    concurrency: 1,
    stream: false,
    structured: false,
    weight: 40,
    promptCharacters: 1_000_000,
  },
  {
    id: 'conversation-10',
    label: 'chat, 10-message conversation',
    concurrency: 1,
    stream: false,
    structured: false,
    weight: 1,
    conversationMessages: 10,
  },
  {
    id: 'conversation-100',
    label: 'chat, 100-message conversation',
    concurrency: 1,
    stream: false,
    structured: false,
    weight: 2,
    conversationMessages: 100,
  },
  {
    id: 'conversation-1000',
    label: 'chat, 1000-message conversation',
    concurrency: 1,
    stream: false,
    structured: false,
    weight: 16,
    conversationMessages: 1_000,
  },
];

export function findWorkload(id: string): Workload {
  const found = [...WORKLOADS, ...SCALING_WORKLOADS].find((workload) => workload.id === id);
  if (found === undefined)
    throw new Error(
      `unknown workload "${id}"; expected one of ${[...WORKLOADS, ...SCALING_WORKLOADS].map((entry) => entry.id).join(', ')}`,
    );
  return found;
}

const MESSAGES = [
  {
    role: 'system',
    content: 'You are a concise assistant for an accounts-payable team. Answer in two or three sentences.',
  },
  {
    role: 'user',
    content:
      'Invoice INV-2291 from Acme Corp has 3 line items totalling 1,240.00 EUR, due in 30 days. Anything to check before paying?',
  },
] as const;

const INVOICE_CHECK_SCHEMA = {
  type: 'object',
  properties: {
    vendor: { type: 'string' },
    total: { type: 'number' },
    currency: { type: 'string', enum: ['EUR', 'USD', 'GBP'] },
    checks: { type: 'array', items: { type: 'string' } },
    approve: { type: 'boolean' },
  },
  required: ['vendor', 'total', 'currency', 'checks', 'approve'],
  additionalProperties: false,
} as const;

type ChatBody = Parameters<OpenAI['chat']['completions']['create']>[0];

const SENTENCE = 'Line 14 of invoice INV-2291: 3 x maintenance visit, 413.33 EUR each, VAT 20 %, due 30 days. ';
const scalingMessages = new Map<WorkloadId, ChatBody['messages']>();

/** The messages of a scaling workload, built on first use and reused. */
function scalingMessagesOf(workload: Workload): ChatBody['messages'] {
  let messages = scalingMessages.get(workload.id);
  if (messages === undefined) {
    messages = [MESSAGES[0]];
    if (workload.promptCharacters !== undefined) {
      messages.push({
        role: 'user',
        content: SENTENCE.repeat(Math.ceil(workload.promptCharacters / SENTENCE.length)).slice(
          0,
          workload.promptCharacters,
        ),
      });
    } else {
      for (let index = 0; index < (workload.conversationMessages ?? 0); index += 1) {
        messages.push({ role: index % 2 === 0 ? 'user' : 'assistant', content: `${index}: ${SENTENCE}${SENTENCE}` });
      }
      messages.push(MESSAGES[1]);
    }
    scalingMessages.set(workload.id, messages);
  }
  return messages;
}

/** The request body a workload's call sends (a new object each time, as an app builds it). */
export function requestOf(workload: Workload): ChatBody {
  const messages =
    workload.promptCharacters !== undefined || workload.conversationMessages !== undefined
      ? [...scalingMessagesOf(workload)]
      : [...MESSAGES];
  const body = { model: 'gpt-4o-mini', messages, temperature: 0.2, max_tokens: 160 } satisfies ChatBody;
  if (workload.stream) return { ...body, stream: true, stream_options: { include_usage: true } };
  if (workload.structured) {
    return {
      ...body,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'invoice_check', strict: true, schema: INVOICE_CHECK_SCHEMA },
      },
    };
  }
  return body;
}

/** Makes one call and reads its whole result; throws when the answer is empty, so a broken setup is noticed. */
export async function callOnce(client: OpenAI, workload: Workload): Promise<void> {
  const body = requestOf(workload);
  if (workload.stream) {
    const stream = (await client.chat.completions.create(
      body,
    )) as AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;
    let text = '';
    let usage = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = true;
    }
    if (text === '' || !usage) throw new Error('stream ended without text or usage');
    return;
  }
  const completion = (await client.chat.completions.create(body)) as OpenAI.Chat.Completions.ChatCompletion;
  const content = completion.choices[0]?.message.content;
  if (!content) throw new Error('completion without content');
  if (workload.structured) JSON.parse(content);
}

/** How a configuration wraps calls and units (a hand-written span, a `run()`); identity by default. */
export interface Wrappers {
  /** One call of `workload` (what a hand-written span records depends on it). */
  call<T>(work: () => Promise<T>, workload: Workload): Promise<T>;
  unit<T>(work: () => Promise<T>): Promise<T>;
}

export const NO_WRAPPERS: Wrappers = { call: (work) => work(), unit: (work) => work() };

/** Makes `calls` calls; returns each call's latency in milliseconds (wrapper included) when `timed`. */
export async function runCalls(
  client: OpenAI,
  workload: Workload,
  calls: number,
  callsPerRun: number,
  wrappers: Wrappers,
  timed = true,
): Promise<number[]> {
  const latencies: number[] = [];
  const units: number[] = [];
  for (let remaining = calls; remaining > 0; remaining -= callsPerRun) units.push(Math.min(callsPerRun, remaining));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < units.length) {
      const size = units[next++]!;
      await wrappers.unit(async () => {
        for (let index = 0; index < size; index += 1) {
          if (!timed) {
            await wrappers.call(() => callOnce(client, workload), workload);
            continue;
          }
          const started = performance.now();
          await wrappers.call(() => callOnce(client, workload), workload);
          latencies.push(performance.now() - started);
        }
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(workload.concurrency, units.length) }, worker));
  return latencies;
}
