import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StructuredOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { ChatOpenAI } from '@langchain/openai';
import { z } from 'zod';
import type { Simulator } from '../simulator/simulator.ts';
import { createLangChainHarness, useSimulator } from './harness.ts';

const harness = createLangChainHarness();
let sim: Simulator;
useSimulator(harness, (started) => (sim = started));

function createChain() {
  const parser = StructuredOutputParser.fromZodSchema(z.object({ vendor: z.string(), amount: z.number() }));
  const prompt = ChatPromptTemplate.fromMessages([
    ['system', 'Extract the invoice. {format}'],
    ['user', '{invoice}'],
  ]);
  const model = new ChatOpenAI({
    model: 'gpt-4o-mini',
    configuration: { baseURL: sim.url },
    apiKey: 'test',
    maxRetries: 0,
  });
  return prompt.pipe(model).pipe(parser).withConfig({ runName: 'extract_invoice' });
}

test('an output parser that rejects the model output is validation fail on the parser span, without the output', async () => {
  sim.enqueue({ reply: 'The vendor is ACME and the amount is 1,280.50 EUR.' });
  await assert.rejects(
    createChain().invoke({ format: 'Answer in JSON.', invoice: 'ACME 1,280.50 EUR' }),
    (error) => (error as Error).constructor.name === 'OutputParserException',
  );
  const failed = harness.spans().filter((span) => span.attributes['runproof.validation.outcome'] === 'fail');
  assert.equal(failed.length, 1, 'recorded once, on the parser, not on every enclosing chain');
  const [parserSpan] = failed;
  assert.equal(parserSpan!.name, 'StructuredOutputParser');
  assert.equal(parserSpan!.attributes['runproof.validation.checkpoint'], 'output_parser');
  assert.equal(parserSpan!.attributes['error.type'], 'OutputParserException');
  const event = parserSpan!.events.find((candidate) => candidate.name === 'runproof.validation.failure');
  assert.deepEqual(event?.attributes, {
    'runproof.validation.issue.codes': ['output_parser'],
    'runproof.validation.issue.paths': ['(root)'],
  });
  assert.ok(
    !JSON.stringify(harness.spans().map((span) => [span.attributes, span.events])).includes('1,280.50'),
    'the model output is not in the telemetry',
  );
  assert.equal(harness.span('extract_invoice').attributes['runproof.validation.outcome'], undefined);
});

test('an output the parser accepts leaves no validation failure', async () => {
  sim.enqueue({ reply: '```json\n{"vendor": "ACME", "amount": 1280.5}\n```' });
  assert.deepEqual(await createChain().invoke({ format: 'Answer in JSON.', invoice: 'ACME 1,280.50 EUR' }), {
    vendor: 'ACME',
    amount: 1280.5,
  });
  assert.equal(harness.spans().filter((span) => span.attributes['runproof.validation.outcome'] === 'fail').length, 0);
});
