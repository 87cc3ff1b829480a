import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startSimulator } from './simulator.ts';
import type { Simulator } from './simulator.ts';

describe('simulator: embeddings through the openai v7 client', () => {
  let sim: Simulator;
  let client: OpenAI;

  before(async () => {
    sim = await startSimulator();
    client = new OpenAI({ apiKey: 'test', baseURL: sim.url, maxRetries: 0 });
  });
  beforeEach(() => sim.reset());
  after(() => sim.close());

  it('answers embeddings with deterministic unit vectors, decoded from the default base64 encoding', async () => {
    const decoded = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['first text', 'second text'],
    });
    const floats = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['first text', 'second text'],
      encoding_format: 'float',
    });
    const recorded = await sim.waitForRequests(2);
    assert.equal((recorded[0]?.body as { encoding_format?: string }).encoding_format, 'base64');
    assert.equal((recorded[1]?.body as { encoding_format?: string }).encoding_format, 'float');

    assert.deepEqual(
      [decoded.object, decoded.model, decoded.usage],
      ['list', 'text-embedding-3-small', { prompt_tokens: 6, total_tokens: 6 }],
    );
    assert.deepEqual(
      decoded.data.map((item) => [item.object, item.index, item.embedding.length]),
      [
        ['embedding', 0, 1536],
        ['embedding', 1, 1536],
      ],
    );
    assert.deepEqual(decoded.data, floats.data);
    const norm = Math.sqrt(decoded.data[0]!.embedding.reduce((sum, value) => sum + value * value, 0));
    assert.ok(Math.abs(norm - 1) < 1e-5, String(norm));
    assert.notDeepEqual(decoded.data[0]?.embedding, decoded.data[1]?.embedding);

    const small = await client.embeddings.create({
      model: 'text-embedding-3-large',
      input: 'first text',
      dimensions: 8,
    });
    assert.equal(small.data[0]?.embedding.length, 8);
    assert.deepEqual(
      small.data[0]?.embedding.slice(0, 8),
      (await client.embeddings.create({ model: 'text-embedding-3-large', input: 'first text', dimensions: 8 })).data[0]
        ?.embedding,
    );
  });
});
