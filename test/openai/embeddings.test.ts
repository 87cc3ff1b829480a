import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import type { Simulator } from '../simulator/simulator.ts';
import { expectedFingerprint, harness, onlySpan, sentDigest, shapeDigest, useSimulator, type Client } from './setup.ts';

let simulator: Simulator;
let client: Client;
useSimulator((fixture) => ({ simulator, client } = fixture));

test('records an embeddings call with the exact attributes', async () => {
  const result = await client.embeddings.create({
    model: 'text-embedding-3-small',
    input: ['first text', 'second text'],
    dimensions: 256,
  });
  assert.equal(result.data[0]!.embedding.length, 256);
  const span = onlySpan();
  assert.equal(span.name, 'embeddings text-embedding-3-small');
  assert.equal(span.kind, SpanKind.CLIENT);
  assert.deepEqual(span.attributes, {
    'gen_ai.operation.name': 'embeddings',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'text-embedding-3-small',
    'server.address': '127.0.0.1',
    'server.port': simulator.port,
    'gen_ai.embeddings.dimension.count': 256,
    'runproof.call.fingerprint': expectedFingerprint({
      operation: 'embeddings',
      target: 'text-embedding-3-small',
      parameters: { dimensions: 256 },
    }),
    'runproof.input.digest': sentDigest(simulator.requests[0]!),
    'gen_ai.response.model': result.model,
    'gen_ai.usage.input_tokens': result.usage.prompt_tokens,
    'runproof.output.shape': shapeDigest({ embedding: 'float', dimensions: 256 }),
    'openai.request.id': result._request_id!,
  });
});

test('records the encoding format the caller chose', async () => {
  await client.embeddings.create({ model: 'text-embedding-3-small', input: 'text', encoding_format: 'float' });
  assert.deepEqual(onlySpan().attributes['gen_ai.request.encoding_formats'], ['float']);
});

test('records the duration and token usage metrics with the GenAI attributes and buckets', async () => {
  const result = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'text' });
  const metrics = await harness.metrics();
  const duration = metrics.find((metric) => metric.descriptor.name === 'gen_ai.client.operation.duration')!;
  const tokens = metrics.find((metric) => metric.descriptor.name === 'gen_ai.client.token.usage')!;
  assert.equal(duration.descriptor.unit, 's');
  assert.equal(tokens.descriptor.unit, '{token}');
  const common = {
    'gen_ai.operation.name': 'embeddings',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'text-embedding-3-small',
    'gen_ai.response.model': result.model,
    'server.address': '127.0.0.1',
    'server.port': simulator.port,
  };
  assert.equal(duration.dataPoints.length, 1);
  assert.deepEqual(duration.dataPoints[0]!.attributes, common);
  const durationValue = duration.dataPoints[0]!.value as { buckets: { boundaries: number[] }; count: number };
  assert.deepEqual(
    durationValue.buckets.boundaries,
    [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92],
  );
  assert.equal(durationValue.count, 1);
  assert.deepEqual(
    tokens.dataPoints.map((point) => point.attributes),
    [{ ...common, 'gen_ai.token.type': 'input' }],
  );
  const tokenValue = tokens.dataPoints[0]!.value as { buckets: { boundaries: number[] }; sum: number };
  assert.equal(tokenValue.sum, result.usage.prompt_tokens);
  assert.equal(tokenValue.buckets.boundaries.at(-1), 67108864);
});
