/**
 * Shared set-up of the in-process OpenAI tests: the in-memory harness with the instrumentation
 * enabled *before* `openai` is loaded (so `require('openai')` is patched by the module hook, as in
 * an app), `openai` 7 from that require, and `openai` 6 instrumented with `instrumentOpenAI`
 * (its package is installed under the alias `openai-v6`, which the hook does not match).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, beforeEach } from 'node:test';
import { inspect } from 'node:util';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { ReadableSpan } from '@runproof/core/testing';
import { digest } from '@runproof/core';
import { createTestHarness } from '@runproof/core/testing';
import { createInstrumentation, instrumentOpenAI } from '@runproof/openai-adapter';
import type OpenAIType from 'openai';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';

export const harness = createTestHarness({ instrumentations: [createInstrumentation()] });

const diagnostics: string[] = [];
diag.setLogger(
  {
    error: (message) => void diagnostics.push(`error: ${message}`),
    warn: (message) => void diagnostics.push(`warn: ${message}`),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  },
  DiagLogLevel.WARN,
);

/** Warnings and errors logged through `diag` since the process started (a span ended twice is one). */
export function diagnosticMessages(): readonly string[] {
  return diagnostics;
}

const require = createRequire(import.meta.url);
type OpenAIClass = typeof OpenAIType;
/** `openai` 7, loaded through `require` after the instrumentation was enabled. */
export const OpenAI = (require('openai') as { default: OpenAIClass }).default;
/** `openai` 6 (same API surface for what the tests use). */
export const OpenAIv6 = (require('openai-v6') as { default: OpenAIClass }).default;
export const OPENAI_VERSION = (require('openai/version') as { VERSION: string }).VERSION;
export const OPENAI_V6_VERSION = (require('openai-v6/version') as { VERSION: string }).VERSION;
export const ADAPTER = '@runproof/openai-adapter@0.1.0';

export type Client = InstanceType<OpenAIClass>;

/** A simulator answering without pauses between stream chunks. */
export function startFastSimulator(): Promise<Simulator> {
  return startSimulator({ chunkDelayMs: 0 });
}

/** An `openai` 7 client of the simulator; the SDK's own retries are kept but its back-off is shortened by the scripts. */
export function createClient(simulator: Simulator, options: { maxRetries?: number } = {}): Client {
  return new OpenAI({
    apiKey: 'sk-test',
    baseURL: simulator.url,
    maxRetries: options.maxRetries ?? 2,
    logLevel: 'off',
  });
}

/** A started simulator and an `openai` 7 client of it. */
export interface SimulatorFixture {
  simulator: Simulator;
  client: Client;
}

/**
 * The set-up every in-process OpenAI test file shares: a simulator and a client started before the
 * file's tests (handed to `onStart`), the simulator closed after them, and the simulator's scripts
 * and the harness's spans cleared before each test.
 */
export function useSimulator(
  onStart: (fixture: SimulatorFixture) => void,
  clientOptions: { maxRetries?: number } = {},
): void {
  let simulator: Simulator | undefined;
  before(async () => {
    simulator = await startFastSimulator();
    onStart({ simulator, client: createClient(simulator, clientOptions) });
  });
  after(() => simulator?.close());
  beforeEach(async () => {
    simulator?.reset();
    await harness.reset();
  });
}

/** An `openai` 6 client of the simulator, instrumented explicitly. */
export function createV6Client(simulator: Simulator): Client {
  return instrumentOpenAI(new OpenAIv6({ apiKey: 'sk-test', baseURL: simulator.url, maxRetries: 0, logLevel: 'off' }));
}

/** The one span of the harness; fails listing what is there otherwise. */
export function onlySpan(): ReadableSpan {
  const spans = harness.spans();
  if (spans.length !== 1)
    throw new Error(`expected one span, got ${spans.length}: ${JSON.stringify(spans.map((span) => span.name))}`);
  return spans[0]!;
}

/** The call fingerprint the adapter must report for these declared conditions. */
export function expectedFingerprint(conditions: Record<string, unknown>, library = `openai@${OPENAI_VERSION}`): string {
  return digest({ provider: 'openai', ...conditions, library, adapter: ADAPTER });
}

/** `runproof.input.digest` of a request the simulator received: SHA-256 of its body's bytes, 128 bits in hex. */
export function sentDigest(request: { bodyText: string }): string {
  return createHash('sha256').update(Buffer.from(request.bodyText, 'utf8')).digest('hex').slice(0, 32);
}

/** `runproof.output.shape` of a shape descriptor: SHA-256 of its canonical JSON, 64 bits in hex. */
export function shapeDigest(shape: unknown): string {
  return digest(shape).slice(0, 16);
}

/** Splits off attributes whose values vary run to run, after checking their type. */
export function withoutTimings(attributes: Record<string, unknown>): Record<string, unknown> {
  const { ['gen_ai.response.time_to_first_chunk']: timeToFirstChunk, ...rest } = attributes;
  if (timeToFirstChunk !== undefined && !(typeof timeToFirstChunk === 'number' && timeToFirstChunk > 0)) {
    throw new Error(`time_to_first_chunk is ${inspect(timeToFirstChunk)}`);
  }
  return rest;
}
