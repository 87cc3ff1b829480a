/**
 * One LangChain configuration in its own process (started by `langchain-bench.ts`): the agent of
 * `langchain-agent.ts` with canned responses, and no instrumentation, Runproof (both adapters, as
 * a user runs them) or OpenInference's LangChain instrumentation. Requests, one at a time:
 *
 * - `probe`: a few invocations; spans per invocation and how many of each span name;
 * - `batch`: `invocations` sequential invocations, measured — CPU (user + system, this process, up
 *   to the end of the export of their spans), spans and OTLP bytes exported;
 * - `exit`.
 *
 * LangChain comes from the workspace (`@langchain/core`, `langchain`, `@langchain/openai`): the
 * instrumentations are handed the very classes the agent uses.
 */
import { CallbackManager } from '@langchain/core/callbacks/manager';
import * as callbackManagerModule from '@langchain/core/callbacks/manager';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { BaseLLM } from '@langchain/core/language_models/llms';
import { BaseRetriever } from '@langchain/core/retrievers';
import { Runnable } from '@langchain/core/runnables';
import { StructuredTool } from '@langchain/core/tools';
import { OpenAIClient } from '@langchain/openai';
import { metrics, trace, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { parseArgs } from 'node:util';
import { createCannedFetch, createResponder } from './canned-responses.ts';
import { requireFromBench } from './install.ts';
import { createBenchAgent, invokeOnce, isAfterToolResult, type AgentResponses } from './langchain-agent.ts';
import { installTelemetry, type Telemetry } from './telemetry.ts';

export type LangChainConfigurationId = 'baseline' | 'runproof' | 'openinference';

export type LangChainRequest =
  { type: 'probe'; invocations: number } | { type: 'batch'; invocations: number } | { type: 'exit' };

export type LangChainResponse =
  | { type: 'ready' }
  | { type: 'probe'; spansPerInvocation: number; spanNames: Record<string, number> }
  | { type: 'batch'; cpuMicros: number; wallMs: number; spans: number; bytes: number }
  | { type: 'error'; message: string };

interface InstrumentationLike {
  setTracerProvider(provider: TracerProvider): void;
  setMeterProvider?(provider: MeterProvider): void;
  enable(): void;
}

const { values } = parseArgs({
  options: {
    configuration: { type: 'string' },
    responses: { type: 'string' },
    content: { type: 'boolean', default: false },
  },
  strict: true,
});
const configuration = values.configuration as LangChainConfigurationId;
const responses = JSON.parse(values.responses ?? '') as AgentResponses;
const telemetry = await setUp(configuration, values.content);

const toolCall = createResponder(responses.toolCall);
const answer = createResponder(responses.answer);
const agent = createBenchAgent(
  'https://api.openai.com/v1',
  createCannedFetch((body) => (isAfterToolResult(body) ? answer() : toolCall())),
);
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? ((): void => {});

async function setUp(id: LangChainConfigurationId, content: boolean): Promise<Telemetry> {
  const provide = (instrumentation: InstrumentationLike): void => {
    instrumentation.setTracerProvider(trace.getTracerProvider());
    instrumentation.setMeterProvider?.(metrics.getMeterProvider());
    instrumentation.enable();
  };
  switch (id) {
    case 'baseline':
      return installTelemetry();
    case 'runproof': {
      const core = await import('@runproof/core');
      const langchainAdapter = await import('@runproof/langchain-adapter');
      const openaiAdapter = await import('@runproof/openai-adapter');
      const installed = installTelemetry([new core.RunSpanProcessor()]);
      // Content capture of LangChain spans follows core's settings; the OpenAI adapter takes the option.
      const langchain = langchainAdapter.createInstrumentation();
      provide(langchain);
      langchain.manuallyInstrument({
        CallbackManager,
        BaseChatModel,
        BaseLLM,
        StructuredTool,
        BaseRetriever,
        Runnable,
      });
      provide(openaiAdapter.createInstrumentation({ captureContent: content }));
      // Patches the prototypes every client of the `openai` copy @langchain/openai uses shares.
      openaiAdapter.instrumentOpenAI(new OpenAIClient({ apiKey: 'unused' }));
      return installed;
    }
    case 'openinference': {
      const installed = installTelemetry();
      const { LangChainInstrumentation } = requireFromBench<{
        LangChainInstrumentation: new (
          options: Record<string, unknown>,
        ) => InstrumentationLike & { manuallyInstrument(module: unknown): void };
      }>('@arizeai/openinference-instrumentation-langchain');
      // Content off, as everywhere in the bench (OpenInference records it by default).
      const instrumentation = new LangChainInstrumentation(
        content ? {} : { traceConfig: { hideInputs: true, hideOutputs: true } },
      );
      provide(instrumentation);
      instrumentation.manuallyInstrument(callbackManagerModule);
      return installed;
    }
    default:
      throw new Error(`unknown LangChain configuration "${String(id)}"`);
  }
}

async function handle(request: LangChainRequest): Promise<LangChainResponse> {
  const { exporter } = telemetry;
  switch (request.type) {
    case 'probe': {
      exporter.inspecting = true;
      const before = exporter.spans;
      for (let index = 0; index < request.invocations; index += 1) await invokeOnce(agent);
      await telemetry.flush();
      exporter.inspecting = false;
      const spanNames = Object.fromEntries(
        [...exporter.countBySpanName].map(([name, count]) => [name, count / request.invocations]),
      );
      return { type: 'probe', spansPerInvocation: (exporter.spans - before) / request.invocations, spanNames };
    }
    case 'batch': {
      const spansBefore = exporter.spans;
      const bytesBefore = exporter.bytes;
      collectGarbage();
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      for (let index = 0; index < request.invocations; index += 1) await invokeOnce(agent);
      const wallMs = performance.now() - started;
      await telemetry.flush();
      const cpu = process.cpuUsage(cpuBefore);
      return {
        type: 'batch',
        cpuMicros: cpu.user + cpu.system,
        wallMs,
        spans: exporter.spans - spansBefore,
        bytes: exporter.bytes - bytesBefore,
      };
    }
    case 'exit':
      await telemetry.shutdown();
      process.exit(0);
  }
}

process.on('message', (request: LangChainRequest) => {
  handle(request).then(
    (response) => process.send?.(response),
    (error: unknown) =>
      process.send?.({
        type: 'error',
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      } satisfies LangChainResponse),
  );
});
process.send?.({ type: 'ready' } satisfies LangChainResponse);
