/**
 * Zero-code: an app started with `node --import @runproof/core/register`, as ES module and as
 * CommonJS, exporting over real OTLP/HTTP (protobuf and JSON) to a real receiver. Asserts the exact
 * attribute map of each surface as it arrived.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { digest } from '@runproof/core';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';
import { runApp } from '../support/app.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';

const require = createRequire(import.meta.url);
const LIBRARY = `openai@${(require('openai/version') as { VERSION: string }).VERSION}`;
const ADAPTER = '@runproof/openai-adapter@0.1.0';

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  input_tokens?: number;
  output_tokens?: number;
}
interface AppOutput {
  runId: string;
  chat: { id: string; requestId: string; usage: Usage; systemFingerprint: string };
  chatStream: { id: string; requestId: string; usage: Usage; systemFingerprint: string };
  response: { id: string; requestId: string; usage: Usage };
  responseStream: { id: string; requestId: string; usage: Usage };
  embedding: { requestId: string; usage: Usage; dimensions: number };
}

let simulator: Simulator;
let receiver: OtlpReceiver;
before(async () => {
  [simulator, receiver] = await Promise.all([startSimulator({ chunkDelayMs: 0 }), startOtlpReceiver()]);
});
after(() => Promise.all([simulator.close(), receiver.close()]));

const cases = [
  { app: 'app.mjs', protocol: 'http/protobuf' },
  { app: 'app.cjs', protocol: 'http/json' },
];

for (const { app, protocol } of cases) {
  test(`${app === 'app.mjs' ? 'an ES module' : 'a CommonJS'} app under --import @runproof/core/register exports every surface over OTLP ${protocol}`, async () => {
    const result = await runApp(fileURLToPath(new URL(`./apps/${app}`, import.meta.url)), {
      args: ['--import', '@runproof/core/register'],
      env: {
        SIMULATOR_URL: simulator.url,
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_SERVICE_NAME: `openai-${app}`,
      },
    });
    assert.equal(result.code, 0, result.stderr);
    const output = JSON.parse(result.stdout) as AppOutput;
    const spans = (
      await receiver.waitFor(
        (received) => received.filter((span) => span.attributes['runproof.run.id'] === output.runId).length === 6,
      )
    ).filter((span) => span.attributes['runproof.run.id'] === output.runId);
    const runSpan = spans.find((span) => span.name === 'invoke_workflow auto-instrumented')!;
    const byResponseId = (id: string): ReceivedSpan =>
      spans.find((span) => span.attributes['gen_ai.response.id'] === id)!;
    const common = (apiType?: string) => ({
      'gen_ai.operation.name': apiType === undefined ? 'embeddings' : 'chat',
      'gen_ai.provider.name': 'openai',
      'server.address': '127.0.0.1',
      'server.port': simulator.port,
      ...(apiType === undefined ? {} : { 'openai.api.type': apiType }),
      'runproof.run.id': output.runId,
    });
    // SHA-256 of the body the simulator received for the request, 128 bits in hex.
    const sent = (requestId: string): string => {
      const request = simulator.requests.find((entry) => entry.requestId === requestId)!;
      return createHash('sha256').update(Buffer.from(request.bodyText, 'utf8')).digest('hex').slice(0, 32);
    };
    const shape = (value: unknown): string => digest(value).slice(0, 16);
    const fingerprint = (conditions: Record<string, unknown>) =>
      digest({ provider: 'openai', ...conditions, library: LIBRARY, adapter: ADAPTER });

    const chat = byResponseId(output.chat.id);
    assert.deepEqual(chat.attributes, {
      ...common('chat_completions'),
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.request.temperature': 0,
      'runproof.call.fingerprint': fingerprint({
        operation: 'chat',
        target: 'gpt-4o-mini',
        parameters: { temperature: 0 },
        instructionsDigest: digest(['Be brief.']),
        templateDigest: digest(['system', 'user']),
      }),
      'runproof.input.digest': sent(output.chat.requestId),
      'gen_ai.response.id': output.chat.id,
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': output.chat.usage.prompt_tokens,
      'gen_ai.usage.output_tokens': output.chat.usage.completion_tokens,
      'openai.response.service_tier': 'default',
      'openai.response.system_fingerprint': output.chat.systemFingerprint,
      'runproof.output.shape': shape('text'),
      'openai.request.id': output.chat.requestId,
    });

    const chatStream = byResponseId(output.chatStream.id);
    const { ['gen_ai.response.time_to_first_chunk']: chatFirstChunk, ...chatStreamAttributes } = chatStream.attributes;
    assert.equal(typeof chatFirstChunk, 'number');
    assert.deepEqual(chatStreamAttributes, {
      ...common('chat_completions'),
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.request.stream': true,
      'runproof.call.fingerprint': fingerprint({
        operation: 'chat',
        target: 'gpt-4o-mini',
        templateDigest: digest(['user']),
      }),
      'runproof.input.digest': sent(output.chatStream.requestId),
      'gen_ai.response.id': output.chatStream.id,
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': output.chatStream.usage.prompt_tokens,
      'gen_ai.usage.output_tokens': output.chatStream.usage.completion_tokens,
      'openai.response.service_tier': 'default',
      'openai.response.system_fingerprint': output.chatStream.systemFingerprint,
      'runproof.output.shape': shape('text'),
      'openai.request.id': output.chatStream.requestId,
    });

    const response = byResponseId(output.response.id);
    assert.deepEqual(response.attributes, {
      ...common('responses'),
      'gen_ai.request.model': 'gpt-4o-mini',
      'runproof.call.fingerprint': fingerprint({
        operation: 'chat',
        target: 'gpt-4o-mini',
        instructionsDigest: digest(['Be brief.']),
        templateDigest: digest(['user']),
      }),
      'runproof.input.digest': sent(output.response.requestId),
      'gen_ai.response.id': output.response.id,
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': output.response.usage.input_tokens,
      'gen_ai.usage.output_tokens': output.response.usage.output_tokens,
      'openai.response.service_tier': 'default',
      'runproof.output.shape': shape('text'),
      'openai.request.id': output.response.requestId,
    });

    const responseStream = byResponseId(output.responseStream.id);
    const { ['gen_ai.response.time_to_first_chunk']: responseFirstChunk, ...responseStreamAttributes } =
      responseStream.attributes;
    assert.equal(typeof responseFirstChunk, 'number');
    assert.deepEqual(responseStreamAttributes, {
      ...common('responses'),
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.request.stream': true,
      'runproof.call.fingerprint': fingerprint({
        operation: 'chat',
        target: 'gpt-4o-mini',
        templateDigest: digest(['user']),
      }),
      'runproof.input.digest': sent(output.responseStream.requestId),
      'gen_ai.response.id': output.responseStream.id,
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': output.responseStream.usage.input_tokens,
      'gen_ai.usage.output_tokens': output.responseStream.usage.output_tokens,
      'openai.response.service_tier': 'default',
      'runproof.output.shape': shape('text'),
      'openai.request.id': output.responseStream.requestId,
    });

    const embedding = spans.find((span) => span.name === 'embeddings text-embedding-3-small')!;
    assert.deepEqual(embedding.attributes, {
      ...common(undefined),
      'gen_ai.request.model': 'text-embedding-3-small',
      'runproof.call.fingerprint': fingerprint({ operation: 'embeddings', target: 'text-embedding-3-small' }),
      'runproof.input.digest': sent(output.embedding.requestId),
      'gen_ai.response.model': 'text-embedding-3-small',
      'gen_ai.usage.input_tokens': output.embedding.usage.prompt_tokens,
      'runproof.output.shape': shape({ embedding: 'float', dimensions: output.embedding.dimensions }),
      'openai.request.id': output.embedding.requestId,
    });

    for (const span of [chat, chatStream, response, responseStream, embedding]) {
      assert.equal(span.kind, 'SPAN_KIND_CLIENT');
      assert.equal(span.scope, '@runproof/openai-adapter');
      assert.equal(span.traceId, runSpan.traceId);
      assert.equal(span.parentSpanId, runSpan.spanId);
      assert.deepEqual(span.status, { code: 'STATUS_CODE_UNSET' });
    }
  });
}
