// An app whose run touches every convention the GenAI backends key on: a step, a streamed chat with
// a structured output (checked automatically), a checkpoint, a tool called for a model's tool call,
// and two Responses API calls, one in a conversation and one chained to it. Zero-code
// (`--import @runproof/core/register`); prints the ids the test needs.
import OpenAI from 'openai';
import { checkpoint, run, step, tool } from '@runproof/core';
import { z } from 'zod';

const client = new OpenAI({ apiKey: 'sk-test', baseURL: process.env.SIMULATOR_URL, maxRetries: 0, logLevel: 'off' });
const Invoice = z.object({ vendor: z.string(), total: z.number() });
const invoiceFormat = {
  type: 'json_schema',
  json_schema: {
    name: 'invoice',
    strict: true,
    schema: {
      type: 'object',
      properties: { vendor: { type: 'string' }, total: { type: 'number' } },
      required: ['vendor', 'total'],
      additionalProperties: false,
    },
  },
};
const lookupVendor = tool('lookup_vendor', async ({ vendor }) => ({ vendor, country: 'FR' }));

const result = await run('conventions', async (current) => {
  const extracted = await step('extract', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Extract the invoice: ACME, 120 EUR.' }],
      response_format: invoiceFormat,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    return JSON.parse(text);
  });
  const invoice = await checkpoint('invoice.fields', Invoice, extracted);
  const vendor = await lookupVendor.forCall('call_lookup_1')({ vendor: invoice.vendor });
  const first = await client.responses.create({
    model: 'gpt-4o-mini',
    input: 'Summarize the invoice.',
    conversation: 'conv_invoices_1',
  });
  const chained = await client.responses.create({
    model: 'gpt-4o-mini',
    input: 'And the vendor?',
    previous_response_id: first.id,
  });
  return { runId: current.id, firstResponseId: first.id, chainedResponseId: chained.id, vendor };
});
process.stdout.write(`${JSON.stringify(result)}\n`);
