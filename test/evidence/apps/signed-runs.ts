/**
 * An app whose runs are signed: started with `--import @runproof/core/register` and
 * `RUNPROOF_SIGNING_KEY_FILE`, the real `openai` client against the simulator (`OPENAI_BASE_URL`).
 * SCENARIO picks what it runs:
 * - `triage`: two invoices through the demo's triage (steps, a checkpoint, a tool loop, streaming)
 *   and a refund check held to its boundary: its second model call is halted before it is sent;
 * - `retries`: a durable payout (`RUNPROOF_STORE`) whose payment step fails twice: three attempts
 *   of one run, each chained to the one before;
 * - `crash`: the same payout, its process killed in the payment step (`CRASH=1`), or resumed;
 *   `PAYOUT_ID` names the payout's run (default `payout-42`).
 */
import OpenAI from 'openai';
import { BoundaryViolationError, run, step } from '@runproof/core';
import { triageInvoice } from '../../../examples/demo/triage.ts';

const client = new OpenAI({ maxRetries: 0 });
const scenario = process.env.SCENARIO ?? 'triage';

async function ask(question: string): Promise<string> {
  const completion = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    temperature: 0,
    messages: [{ role: 'user', content: question }],
  });
  return completion.choices[0]?.message.content ?? '';
}

if (scenario === 'triage') {
  await triageInvoice(
    'ACME Office Supplies, invoice INV-2291, 1,280.50 EUR due 2026-12-15: 40 boxes of printer paper.',
  );
  await triageInvoice('Northwind Cloud, invoice NW-88, 342.00 USD due 2026-12-01: December hosting.');
  try {
    await run({ name: 'refund-check', boundary: { name: 'refunds', maxModelCalls: 1 } }, () =>
      step('review', async () => {
        await ask('Is a refund of 80 EUR for order 5512 within policy?');
        return ask('Then approve it.');
      }),
    );
  } catch (error) {
    if (!BoundaryViolationError.isInstance(error)) throw error;
  }
}

if (scenario === 'retries' || scenario === 'crash') {
  let failures = scenario === 'retries' ? 2 : 0;
  const payout = () =>
    run({ name: 'payout', id: process.env.PAYOUT_ID ?? 'payout-42', durable: true }, async () => {
      await step('prepare', () => ask('Prepare the payout of 120 EUR to vendor 77.'));
      return step('pay', async () => {
        if (process.env.CRASH === '1') {
          // Dies mid-payment, after the spans of what it did so far were exported.
          await new Promise((resolve) => setTimeout(resolve, 1500));
          process.kill(process.pid, 'SIGKILL');
        }
        if (failures > 0) {
          failures -= 1;
          throw new Error('payment gateway timeout');
        }
        return 'paid';
      });
    });
  for (let attempt = 1; ; attempt += 1) {
    try {
      await payout();
      break;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}
process.stdout.write('done\n');
