/**
 * POST /v1/embeddings: deterministic unit vectors derived from a hash of each input, as float
 * arrays or (what the openai SDK requests by default) base64 little-endian float32.
 */
import { sendError, sendJson } from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { hashString } from './identity.ts';
import { estimateTokens } from './reply-text.ts';

const DEFAULT_DIMENSIONS: Readonly<Record<string, number>> = {
  'text-embedding-3-large': 3072,
};

/** Answers an embeddings request. */
export function handleEmbeddings(exchange: Exchange): void {
  const { body, script } = exchange;
  if (typeof body.model !== 'string' || body.model === '') {
    return sendError(exchange, 400, { message: 'you must provide a model parameter' });
  }
  const inputs = toInputs(body.input);
  if (inputs === undefined) {
    return sendError(exchange, 400, {
      message: "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
      param: 'input',
    });
  }
  const dimensions =
    typeof body.dimensions === 'number' && body.dimensions > 0
      ? Math.floor(body.dimensions)
      : (DEFAULT_DIMENSIONS[body.model] ?? 1536);
  const base64 = body.encoding_format === 'base64';
  const data = inputs.map((input, index) => {
    const vector = createEmbedding(input, dimensions);
    return {
      object: 'embedding',
      index,
      embedding: base64
        ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')
        : Array.from(vector),
    };
  });
  const computedTokens = inputs.reduce((total, input) => total + estimateTokens(input), 0);
  const promptTokens = script?.usage?.inputTokens ?? computedTokens;
  sendJson(exchange, 200, {
    object: 'list',
    data,
    // The real API reports embedding models as requested (no dated snapshot).
    model: exchange.resolveModel(body.model, { keepAlias: true }),
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
}

/**
 * A unit-length float32 vector that depends only on `text` and `dimensions`.
 *
 * @example
 * createEmbedding('hello', 3) // same Float32Array every time
 */
export function createEmbedding(text: string, dimensions: number): Float32Array {
  // Float32Array uses the host's byte order: little-endian on every platform Node runs on in
  // practice, which is the byte order of the base64 wire format and of the SDK's decoder.
  const vector = new Float32Array(dimensions);
  let state = hashString(text) || 1;
  let sumOfSquares = 0;
  for (let index = 0; index < dimensions; index++) {
    // xorshift32: fast, deterministic, good enough spread for test vectors.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const value = ((state >>> 0) / 0xffffffff) * 2 - 1;
    vector[index] = value;
    sumOfSquares += value * value;
  }
  const norm = Math.sqrt(sumOfSquares) || 1;
  for (let index = 0; index < dimensions; index++) vector[index] = vector[index]! / norm;
  return vector;
}

/** Inputs as strings: a string, strings, or token arrays (rendered as their ids). */
function toInputs(input: unknown): string[] | undefined {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((item) => typeof item === 'number')) return [input.join(' ')];
  const inputs: string[] = [];
  for (const item of input) {
    if (typeof item === 'string') inputs.push(item);
    else if (Array.isArray(item)) inputs.push(item.join(' '));
    else return undefined;
  }
  return inputs;
}
