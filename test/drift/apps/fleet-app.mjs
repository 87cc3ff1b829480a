// A user's app, started with `--import @runproof/core/register`: one run of the invoice-triage
// workflow that checks the customer record a CRM sent (a checkpoint, then a step that declares it
// as its input) and classifies the invoice with the real `openai` client.
//   OPENAI_BASE_URL   the model API (the simulator)
//   CUSTOMER          the CRM's customer record, JSON (no checkpoint or step without it)
//   CALLS             how many classify calls (default 2)
import OpenAI from 'openai';
import { z } from 'zod';
import { checkpoint, run, step } from '@runproof/core';

const client = new OpenAI({ apiKey: 'test', baseURL: process.env.OPENAI_BASE_URL, maxRetries: 0 });
const Customer = z.object({ id: z.string(), name: z.string() });

await run({ name: 'invoice-triage' }, async () => {
  if (process.env.CUSTOMER) {
    const customer = JSON.parse(process.env.CUSTOMER);
    await checkpoint('crm.customer', Customer, customer);
    await step('enrich', async () => customer.name.toUpperCase(), { input: customer });
  }
  for (let call = 0; call < Number(process.env.CALLS ?? 2); call++) {
    const completion = await step('classify', () =>
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        temperature: 0,
        messages: [
          { role: 'system', content: 'Classify the invoice.' },
          { role: 'user', content: 'ACME, printer paper' },
        ],
      }),
    );
    process.stdout.write(`${completion.model}\n`);
  }
});
