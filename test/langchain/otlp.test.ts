import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';

let receiver: OtlpReceiver;
let sim: Simulator;
before(async () => {
  receiver = await startOtlpReceiver();
  sim = await startSimulator({ chunkDelayMs: 0 });
});
after(async () => {
  await receiver.close();
  await sim.close();
});

const app = (name: string) => fileURLToPath(new URL(`./apps/${name}`, import.meta.url));
const parentOf = (span: ReceivedSpan, spans: ReceivedSpan[]) =>
  spans.find((candidate) => candidate.spanId === span.parentSpanId);

for (const file of ['agent.mjs', 'agent.cjs']) {
  test(`${file} under --import @runproof/core/register exports its agent loop over OTLP, nested, one span per model call`, async () => {
    sim.reset();
    sim.enqueue(
      { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
      { reply: 'It is 22 degrees in Paris.' },
    );
    const result = await runApp(app(file), {
      args: ['--import', '@runproof/core/register'],
      env: { OTEL_SERVICE_NAME: `weather-${file}`, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, SIMULATOR_URL: sim.url },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { answer: 'It is 22 degrees in Paris.' });
    const spans = (
      await receiver.waitFor((received) =>
        received.some(
          (span) => span.resource['service.name'] === `weather-${file}` && span.name === 'invoke_agent weather_agent',
        ),
      )
    ).filter((span) => span.resource['service.name'] === `weather-${file}`);
    const agent = spans.find((span) => span.name === 'invoke_agent weather_agent')!;
    assert.deepEqual(agent.attributes, {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'weather_agent',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
    });
    assert.ok(
      spans.every((span) => span.traceId === agent.traceId),
      'one trace',
    );

    const modelSpans = spans.filter((span) => span.attributes?.['gen_ai.operation.name'] === 'chat');
    assert.equal(
      modelSpans.length,
      2,
      `exactly one span per model call: ${JSON.stringify(modelSpans.map((span) => [span.scope, span.name]))}`,
    );
    for (const span of modelSpans) {
      assert.equal(span.name, 'chat gpt-4o-mini');
      assert.equal(span.kind, 'SPAN_KIND_CLIENT');
      assert.equal(parentOf(span, spans)?.name, 'step model_request');
      assert.ok(Number(span.attributes['gen_ai.usage.input_tokens']) > 0, 'usage recorded once, on this span');
    }
    const tool = spans.find((span) => span.name === 'execute_tool get_weather')!;
    assert.equal(tool.attributes['gen_ai.tool.name'], 'get_weather');
    assert.equal(
      parentOf(
        spans.find((span) => span.name === 'lookup forecast')!,
        spans,
      ),
      tool,
      "the user's span nests under the tool",
    );
  });
}
