// A plain-openai app with boundaries and checks, run under --import @runproof/core/register.
// SCENARIO picks what it does; it prints what the user's code saw as one JSON line.
import OpenAI from 'openai';
import { z } from 'zod';
import { BoundaryViolationError, ValidationError, run, tool } from '@runproof/core';

const client = new OpenAI({ baseURL: process.env.SIMULATOR_URL, apiKey: 'test', maxRetries: 0 });
const lookupVendor = {
  type: 'function',
  function: {
    name: 'lookup_vendor',
    parameters: {
      type: 'object',
      properties: { vendor: { type: 'string' } },
      required: ['vendor'],
      additionalProperties: false,
    },
  },
};
const ran = [];
const lookup = tool('lookup_vendor', async ({ vendor }) => (ran.push(vendor), 'approved'), {
  arguments: z.object({ vendor: z.string() }),
  mode: 'enforce',
});

async function agentLoop(turns) {
  const messages = [{ role: 'user', content: 'Check our vendors.' }];
  for (let turn = 0; turn < turns; turn += 1) {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      max_tokens: 100,
      messages,
      tools: [lookupVendor],
    });
    const message = completion.choices[0].message;
    messages.push(message);
    for (const call of message.tool_calls ?? []) {
      const result = await lookup(JSON.parse(call.function.arguments));
      messages.push({ role: 'tool', tool_call_id: call.id, content: result });
    }
  }
}

const scenarios = {
  'disallowed-model': () =>
    run({ name: 'triage', boundary: { name: 'mini-only', allowedModels: ['gpt-4o-mini*'] } }, () =>
      client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hi' }] }),
    ),
  'tool-escalate': () =>
    run(
      {
        name: 'triage',
        boundary: {
          name: 'two-tools',
          maxToolCalls: 2,
          decisions: { maxToolCalls: 'escalate' },
          onEscalate: (violation) => console.error(`escalated ${violation.rule}`),
        },
      },
      () => agentLoop(3),
    ),
  'tool-halt': () => run({ name: 'triage', boundary: { name: 'two-tools-hard', maxToolCalls: 2 } }, () => agentLoop(3)),
  'token-budget': () =>
    run({ name: 'triage', boundary: { name: 'small-budget', maxTotalTokens: 1000 } }, async () => {
      await client.chat.completions.create({
        model: 'gpt-4o-mini',
        max_tokens: 200,
        messages: [{ role: 'user', content: 'Short answer please.' }],
      });
      await client.chat.completions.create({
        model: 'gpt-4o-mini',
        max_tokens: 4000,
        messages: [{ role: 'user', content: 'Now a long essay.' }],
      });
    }),
  'wrong-shape': () =>
    run('extract', () =>
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Extract the invoice.' }],
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'invoice',
            strict: true,
            schema: {
              type: 'object',
              properties: { vendor: { type: 'string' }, amount: { type: 'number' } },
              required: ['vendor', 'amount'],
              additionalProperties: false,
            },
          },
        },
      }),
    ),
  'bad-arguments': () => run('triage', () => agentLoop(1)),
};

try {
  await scenarios[process.env.SCENARIO]();
  console.log(JSON.stringify({ ok: true, ran }));
} catch (error) {
  const kind =
    error instanceof BoundaryViolationError
      ? 'boundary'
      : error instanceof ValidationError
        ? 'validation'
        : error.constructor.name;
  console.log(JSON.stringify({ ok: false, kind, code: error.code, rule: error.rule, issues: error.issues, ran }));
}
