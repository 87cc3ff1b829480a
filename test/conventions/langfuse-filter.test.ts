/**
 * Langfuse v5's span processor drops, by default, every span with no `gen_ai.*` attribute from an
 * instrumentation scope it does not know. This feeds the spans two real apps exported over OTLP
 * (the OpenAI and the LangChain end-to-end apps) through `@langfuse/otel`'s own processor, in
 * process, and shows which it keeps: with its default filter, and with the one-line setting
 * `docs/backends.md` documents, which keeps every Runproof span.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isDefaultExportSpan, LangfuseSpanProcessor, type ShouldExportSpan } from '@langfuse/otel';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';
import { runApp } from '../support/app.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';

type ReadableSpan = Parameters<ShouldExportSpan>[0]['otelSpan'];

let simulator: Simulator;
let receiver: OtlpReceiver;
let openaiSpans: ReceivedSpan[];
let langchainSpans: ReceivedSpan[];

const app = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const ofService = (service: string) => (spans: ReceivedSpan[]) =>
  spans.filter((span) => span.resource['service.name'] === service);

before(async () => {
  [simulator, receiver] = await Promise.all([startSimulator({ chunkDelayMs: 0 }), startOtlpReceiver()]);
  const openai = await runApp(app('../openai/apps/conventions.mjs'), {
    args: ['--import', '@runproof/core/register'],
    env: {
      SIMULATOR_URL: simulator.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'langfuse-openai',
    },
  });
  assert.equal(openai.code, 0, openai.stderr);
  openaiSpans = ofService('langfuse-openai')(
    await receiver.waitFor((spans) => ofService('langfuse-openai')(spans).length === 7),
  );
  simulator.enqueue(
    { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
    { reply: 'It is 22 degrees in Paris.' },
  );
  const langchain = await runApp(app('../langchain/apps/conventions.cjs'), {
    env: {
      SIMULATOR_URL: simulator.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'langfuse-langchain',
    },
  });
  assert.equal(langchain.code, 0, langchain.stderr);
  langchainSpans = ofService('langfuse-langchain')(
    await receiver.waitFor(
      (spans) => ofService('langfuse-langchain')(spans).filter((span) => span.name === 'chat gpt-4o-mini').length === 3,
    ),
  );
});
after(() => Promise.all([simulator.close(), receiver.close()]));

const NANOS = 1_000_000_000n;
const hrTime = (nanos: string | bigint | undefined): [number, number] => {
  const value = BigInt(nanos ?? 0);
  return [Number(value / NANOS), Number(value % NANOS)];
};
const KIND: Record<string, number> = {
  SPAN_KIND_INTERNAL: 0,
  SPAN_KIND_SERVER: 1,
  SPAN_KIND_CLIENT: 2,
  SPAN_KIND_PRODUCER: 3,
  SPAN_KIND_CONSUMER: 4,
};

/** A span as received, in the shape an SDK span processor is handed when a span ends. */
function asReadableSpan(span: ReceivedSpan): ReadableSpan {
  const received = span as ReceivedSpan & { startTimeUnixNano?: string; endTimeUnixNano?: string };
  const startTime = hrTime(received.startTimeUnixNano);
  const endTime = hrTime(received.endTimeUnixNano);
  const spanContext = { traceId: span.traceId, spanId: span.spanId, traceFlags: 1 };
  return {
    name: span.name,
    kind: KIND[span.kind] ?? 0,
    spanContext: () => spanContext,
    parentSpanContext:
      span.parentSpanId === undefined ? undefined : { traceId: span.traceId, spanId: span.parentSpanId, traceFlags: 1 },
    startTime,
    endTime,
    duration: hrTime(BigInt(received.endTimeUnixNano ?? 0) - BigInt(received.startTimeUnixNano ?? 0)),
    status: { code: 0 },
    attributes: { ...span.attributes },
    links: [],
    events: [],
    ended: true,
    resource: { attributes: span.resource, merge: () => undefined, asyncAttributesPending: false },
    instrumentationScope: { name: span.scope, schemaUrl: span.schemaUrl },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  } as unknown as ReadableSpan;
}

/**
 * The names of the spans Langfuse's span processor keeps, given `shouldExportSpan` (its default
 * when omitted): the predicate the processor itself applies as each span ends. (Its export path is
 * not run: this repository's SDK is OpenTelemetry JS 3, and `@langfuse/otel` 5 builds its own
 * batch processor against the 2.x API.)
 */
function keptByLangfuse(spans: ReceivedSpan[], shouldExportSpan?: ShouldExportSpan): string[] {
  const exporter = { export: () => {}, shutdown: async () => {} };
  const processor = new LangfuseSpanProcessor({
    exporter,
    mediaUploadEnabled: false,
    ...(shouldExportSpan === undefined ? {} : { shouldExportSpan }),
  });
  const filter = (processor as unknown as { shouldExportSpan: ShouldExportSpan }).shouldExportSpan;
  return spans
    .filter((span) => filter({ otelSpan: asReadableSpan(span) }))
    .map((span) => span.name)
    .sort();
}

/** The setting `docs/backends.md` gives: Langfuse's default filter, or any span of a Runproof scope. */
const keepRunproofSpans: ShouldExportSpan = ({ otelSpan }) =>
  isDefaultExportSpan(otelSpan) || otelSpan.instrumentationScope.name.startsWith('@runproof/');

const names = (spans: ReceivedSpan[]) => spans.map((span) => span.name).sort();

test('Langfuse default filter: the run, model, tool and agent spans are kept; steps, checkpoints and plain LangChain chains are dropped', async () => {
  assert.deepEqual(keptByLangfuse(openaiSpans), [
    'chat gpt-4o-mini',
    'chat gpt-4o-mini',
    'chat gpt-4o-mini',
    'execute_tool lookup_vendor',
    'invoke_workflow conventions',
  ]);
  const keptLangChain = keptByLangfuse(langchainSpans);
  assert.deepEqual(
    [...new Set(keptLangChain)],
    ['chat gpt-4o-mini', 'execute_tool get_weather', 'invoke_agent weather_agent'],
  );
  const dropped = langchainSpans.filter(
    (span) => !Object.keys(span.attributes).some((key) => key.startsWith('gen_ai.')),
  );
  assert.ok(
    dropped.length > 0 && dropped.every((span) => span.name.startsWith('step ') || span.name === 'RunnableLambda'),
    JSON.stringify(names(dropped)),
  );
});

test('with the documented shouldExportSpan, Langfuse keeps every Runproof span of both apps: steps and checkpoints too', async () => {
  assert.deepEqual(keptByLangfuse(openaiSpans, keepRunproofSpans), names(openaiSpans));
  assert.ok(names(openaiSpans).includes('step extract') && names(openaiSpans).includes('validate invoice.fields'));
  assert.deepEqual(keptByLangfuse(langchainSpans, keepRunproofSpans), names(langchainSpans));
  assert.ok(langchainSpans.every((span) => span.scope.startsWith('@runproof/')));
});
