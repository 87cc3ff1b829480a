/**
 * How the demo triages one invoice with an LLM, as a team would write it: steps, a checkpoint between
 * them, a boundary on what a run may do. No tracing code besides `run`, `step` and `outcome`.
 */
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { checkpoint, outcome, run, step, type BoundaryPolicy, type DurableSpec } from '@runproof/core';

const InvoiceFields = z.object({
  vendor: z.string(),
  invoice_number: z.string(),
  amount: z.number(),
  currency: z.enum(['EUR', 'USD', 'GBP']),
  due_date: z.string(),
});

const lookupVendor = {
  type: 'function' as const,
  function: {
    name: 'lookup_vendor',
    description: 'Look up a vendor in the supplier registry.',
    parameters: {
      type: 'object',
      properties: { vendor: { type: 'string' } },
      required: ['vendor'],
      additionalProperties: false,
    },
  },
};

// What a triage run may do: checked before every model and tool call.
const boundary: BoundaryPolicy = {
  name: 'invoice-triage',
  allowedModels: ['gpt-4o-mini*'],
  maxModelCalls: 6,
  maxTotalTokens: 6000,
};

const client = new OpenAI({ maxRetries: 2 });
const model = 'gpt-4o-mini';

/** What may happen to a triage besides the work: a durable run's id, and a crash after classifying. */
export interface TriageOptions {
  id?: string;
  durable?: DurableSpec;
  /** Called once the invoice is classified, before the step returns (the demo crashes there). */
  afterClassify?: () => void;
}

/** Triages one invoice as a run: extract the fields, classify, write a note for the approver. */
export function triageInvoice(invoice: string, options: TriageOptions = {}): Promise<void> {
  return run(
    {
      name: 'invoice-triage',
      id: options.id,
      durable: options.durable,
      owners: { technical: 'ml-platform', operational: 'accounts-payable' },
      conditions: { prompt: 'triage-v3' },
      boundary,
    },
    async () => {
      const fields = await step('extract', async () => {
        const completion = await client.chat.completions.parse({
          model,
          temperature: 0,
          messages: [
            { role: 'system', content: 'Extract the invoice fields.' },
            { role: 'user', content: invoice },
          ],
          response_format: zodResponseFormat(InvoiceFields, 'invoice_fields'),
        });
        // Between steps: the extracted fields must make sense before anything is classified or paid.
        return checkpoint(
          'invoice.fields',
          InvoiceFields.refine((fields) => fields.amount > 0, { path: ['amount'], message: 'amount must be positive' }),
          completion.choices[0]?.message.parsed,
        );
      });

      const category = await step('classify', async () => {
        const messages: OpenAI.ChatCompletionMessageParam[] = [
          {
            role: 'system',
            content: 'Classify the invoice as utilities, supplies, services or other. Check the vendor first.',
          },
          { role: 'user', content: JSON.stringify(fields) },
        ];
        const first = await client.chat.completions.create({
          model,
          temperature: 0,
          max_tokens: 200,
          messages,
          tools: [lookupVendor],
        });
        const message = first.choices[0]?.message;
        if (message?.tool_calls?.length) {
          messages.push(message);
          for (const call of message.tool_calls) {
            messages.push({
              role: 'tool',
              tool_call_id: call.id,
              content: JSON.stringify({ status: 'approved supplier', since: 2019 }),
            });
          }
          const second = await client.chat.completions.create({
            model,
            temperature: 0,
            max_tokens: 200,
            messages,
            tools: [lookupVendor],
          });
          options.afterClassify?.();
          return second.choices[0]?.message.content ?? 'other';
        }
        options.afterClassify?.();
        return message?.content ?? 'other';
      });

      await step('summarize', async () => {
        const stream = await client.chat.completions.create({
          model,
          temperature: 0.2,
          stream: true,
          stream_options: { include_usage: true },
          messages: [
            { role: 'system', content: 'Write a one-paragraph note for the approver.' },
            { role: 'user', content: `${JSON.stringify(fields)}\nCategory: ${category}` },
          ],
        });
        let note = '';
        for await (const chunk of stream) note += chunk.choices[0]?.delta.content ?? '';
        return note;
      });

      if (fields) outcome('invoice.amount', fields.amount, { unit: fields.currency, status: 'triaged' });
    },
  );
}
