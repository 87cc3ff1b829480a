// A plain-openai app run under --import @runproof/core/register, for OTEL_SDK_DISABLED=true:
// telemetry is off, its boundaries must not be. Prints what the user's code saw as one JSON line.
import OpenAI from 'openai';
import { BoundaryViolationError, run, tool } from '@runproof/core';

const client = new OpenAI({ baseURL: process.env.SIMULATOR_URL, apiKey: 'test', maxRetries: 0 });
const ran = [];
const lookupVendor = tool('lookup_vendor', async (vendor) => (ran.push(`lookup_vendor ${vendor}`), 'approved'));
const refund = tool('refund', async (amount) => (ran.push(`refund ${amount}`), 'refunded'));
const policy = { name: 'mini-only', allowedModels: ['gpt-4o-mini'], allowedTools: ['lookup_vendor'] };

async function attempt(work) {
  try {
    await work();
    return { ok: true };
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
seen.allowedModel = await attempt(() =>
  run({ name: 'triage', boundary: policy }, () =>
    client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
  ),
);
seen.otherModel = await attempt(() =>
  run({ name: 'triage', boundary: policy }, () =>
    client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hi' }] }),
  ),
);
seen.otherModelStreamed = await attempt(() =>
  run({ name: 'triage', boundary: policy }, async () => {
    for await (const chunk of await client.chat.completions.create({
      model: 'gpt-4.1',
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    }))
      void chunk;
  }),
);
seen.otherModelResponses = await attempt(() =>
  run({ name: 'triage', boundary: policy }, () => client.responses.create({ model: 'gpt-4.1', input: 'Hi' })),
);
seen.otherTool = await attempt(() =>
  run({ name: 'triage', boundary: policy }, async () => (await lookupVendor('ACME'), refund(1280.5))),
);
seen.ran = ran;
process.stdout.write(`${JSON.stringify(seen)}\n`);
