// A plain app: no start(), no --import @runproof/core/register, no OpenTelemetry SDK of its own.
// It holds runs to boundaries and checks values; prints what its code saw as one JSON line.
import OpenAI from 'openai';
import { z } from 'zod';
import { BoundaryViolationError, checkpoint, currentRun, run, step, tool } from '@runproof/core';
import { instrumentOpenAI } from '@runproof/openai-adapter';

const client = instrumentOpenAI(new OpenAI({ baseURL: process.env.SIMULATOR_URL, apiKey: 'test', maxRetries: 0 }));
const ran = [];
const lookupVendor = tool('lookup_vendor', async (vendor) => (ran.push(`lookup_vendor ${vendor}`), 'approved'));
const refund = tool('refund', async (amount) => (ran.push(`refund ${amount}`), 'refunded'));

async function attempt(work) {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return {
      ok: false,
      kind: BoundaryViolationError.isInstance(error) ? 'boundary' : error.constructor.name,
      code: error.code,
      rule: error.rule,
      observed: error.observed,
    };
  }
}

const seen = {};
seen.tools = await attempt(() =>
  run({ name: 'triage', boundary: { allowedTools: ['lookup_vendor'] } }, async (current) => {
    seen.currentRunMatches = currentRun()?.id === current.id;
    seen.stepSeesRun = await step('check', () => currentRun()?.id === current.id);
    await lookupVendor('ACME');
    return refund(1280.5);
  }),
);
seen.models = await attempt(() =>
  run({ name: 'chat', boundary: { allowedModels: ['gpt-4o-mini'] } }, async () => {
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    return client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hi' }] });
  }),
);
seen.checkpoint = await attempt(() =>
  run('extract', () =>
    checkpoint(
      'invoice.fields',
      z.object({ vendor: z.string(), currency: z.string().default('EUR') }),
      { vendor: 'ACME' },
      { mode: 'enforce' },
    ),
  ),
);
seen.outside = currentRun() === undefined;
seen.ran = ran;
process.stdout.write(`${JSON.stringify(seen)}\n`);
