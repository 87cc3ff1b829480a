/**
 * Child side of a configuration: installs the shared telemetry, sets the instrumentation up, loads
 * the `openai` copy and returns a client with the wrappers the configuration puts around calls.
 *
 * `openai` 7 is the bench's `openai` package and is patched the way an app gets patched: the
 * instrumentation is enabled, then `require('openai')` goes through its module hook. `openai` 6 is
 * installed under the alias `openai-v6`, which module hooks do not recognise by name, so the
 * instrumentation's own module definition is applied to it by hand — the same function the hook
 * would have called with the same arguments.
 */
import { metrics, SpanKind, trace, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import type OpenAI from 'openai';
import type { Configuration, OpenAIMajor } from './configurations.ts';
import { benchPackageVersion, requireFromBench } from './install.ts';
import { installTelemetry, type Telemetry } from './telemetry.ts';
import { NO_WRAPPERS, type Wrappers } from './workloads.ts';

export interface InstrumentedClient {
  client: OpenAI;
  telemetry: Telemetry;
  wrappers: Wrappers;
  /** The `openai` version the client comes from. */
  openaiVersion: string;
}

export interface SetupOptions {
  simulatorUrl: string;
  /** The client's `fetch` (the canned transport); the network when undefined. */
  fetch: typeof globalThis.fetch | undefined;
  /** Record prompt and completion content in every instrumentation that can. Default off everywhere. */
  content: boolean;
}

/** The slice of an OpenTelemetry `InstrumentationBase` (any version) the bench touches. */
interface InstrumentationLike {
  setTracerProvider(provider: TracerProvider): void;
  setMeterProvider(provider: MeterProvider): void;
  enable(): void;
  getModuleDefinitions?(): ModuleDefinitionLike[];
  _modules?: ModuleDefinitionLike[];
}

interface ModuleDefinitionLike {
  name: string;
  patch?: (moduleExports: unknown, moduleVersion?: string) => unknown;
}

type InstrumentationClass = new (config: Record<string, unknown>) => InstrumentationLike;

const RUN_SPEC = {
  name: 'invoice-triage',
  owners: { technical: 'ml-platform', operational: 'accounts-payable' },
  conditions: { promptVersion: 'triage-v3' },
};

// Generous limits: every rule is checked on every call and none is broken, so the decision is `allow`.
const POLICY = {
  name: 'invoice-triage',
  allowedModels: ['gpt-4o-mini', 'gpt-4.1-*'],
  allowedTools: ['lookup_vendor', 'fetch_invoice'],
  maxModelCalls: 1_000,
  maxToolCalls: 100,
  maxTotalTokens: 10_000_000,
  maxCostUsd: 1_000,
  prices: { 'gpt-4o-mini*': { input: 0.15, output: 0.6 } },
  maxDurationMs: 3_600_000,
};

export async function setUp(
  configuration: Configuration,
  major: OpenAIMajor,
  options: SetupOptions,
): Promise<InstrumentedClient> {
  let telemetry: Telemetry;
  let wrappers: Wrappers = NO_WRAPPERS;
  let instrumentation: InstrumentationLike | undefined;

  switch (configuration.id) {
    case 'baseline':
      telemetry = installTelemetry();
      break;
    case 'floor': {
      telemetry = installTelemetry();
      wrappers = bareSpanWrappers();
      break;
    }
    case 'floor-same':
      telemetry = installTelemetry();
      wrappers = await sameInformationWrappers();
      break;
    case 'runproof-loaded':
      await import('@runproof/core');
      await import('@runproof/openai-adapter');
      telemetry = installTelemetry();
      break;
    case 'runproof':
    case 'runproof-policy': {
      const core = await import('@runproof/core');
      const adapter = await import('@runproof/openai-adapter');
      telemetry = installTelemetry([new core.RunSpanProcessor()]);
      instrumentation = adapter.createInstrumentation({
        captureContent: options.content,
      }) as unknown as InstrumentationLike;
      const spec = configuration.id === 'runproof-policy' ? { ...RUN_SPEC, boundary: POLICY } : RUN_SPEC;
      wrappers = { call: (work) => work(), unit: (work) => core.run(spec, work) };
      break;
    }
    case 'otel': {
      telemetry = installTelemetry();
      const { OpenAIInstrumentation } = requireFromBench<{ OpenAIInstrumentation: InstrumentationClass }>(
        '@opentelemetry/instrumentation-openai',
      );
      instrumentation = new OpenAIInstrumentation({ captureMessageContent: options.content });
      break;
    }
    case 'traceloop': {
      telemetry = installTelemetry();
      const { OpenAIInstrumentation } = requireFromBench<{ OpenAIInstrumentation: InstrumentationClass }>(
        '@traceloop/instrumentation-openai',
      );
      instrumentation = new OpenAIInstrumentation({ traceContent: options.content, enrichTokens: false });
      break;
    }
    case 'openinference': {
      telemetry = installTelemetry();
      const { OpenAIInstrumentation } = requireFromBench<{ OpenAIInstrumentation: InstrumentationClass }>(
        '@arizeai/openinference-instrumentation-openai',
      );
      instrumentation = new OpenAIInstrumentation(
        options.content ? {} : { traceConfig: { hideInputs: true, hideOutputs: true } },
      );
      break;
    }
  }
  // As registerInstrumentations() and the SDKs do: hand over the providers, then enable.
  if (instrumentation !== undefined) {
    instrumentation.setTracerProvider(trace.getTracerProvider());
    instrumentation.setMeterProvider(metrics.getMeterProvider());
    instrumentation.enable();
  }

  const packageName = major === 7 ? 'openai' : 'openai-v6';
  const openaiVersion = benchPackageVersion(packageName);
  const moduleExports = requireFromBench<unknown>(packageName);
  if (instrumentation !== undefined && packageName !== 'openai')
    applyModuleDefinitions(instrumentation, moduleExports, openaiVersion);

  const exports = moduleExports as { OpenAI?: typeof OpenAI; default?: typeof OpenAI };
  const OpenAIClient = exports.OpenAI ?? exports.default ?? (moduleExports as typeof OpenAI);
  const client = new OpenAIClient({
    apiKey: 'bench',
    baseURL: options.simulatorUrl,
    maxRetries: 0,
    ...(options.fetch !== undefined && { fetch: options.fetch }),
  });
  return { client, telemetry, wrappers, openaiVersion };
}

/** What the module hook does on `require('openai')`, done by hand for an aliased copy. */
function applyModuleDefinitions(instrumentation: InstrumentationLike, moduleExports: unknown, version: string): void {
  const definitions = instrumentation.getModuleDefinitions?.() ?? instrumentation._modules ?? [];
  for (const definition of definitions) {
    if (definition.name === 'openai') definition.patch?.(moduleExports, version);
  }
}

/** The floor: a bare CLIENT span around each call, nothing in it. */
export function bareSpanWrappers(): Wrappers {
  const tracer = trace.getTracer('bench-hand-written');
  return {
    call: (work) =>
      tracer.startActiveSpan('chat gpt-4o-mini', { kind: SpanKind.CLIENT }, async (span) => {
        try {
          return await work();
        } finally {
          span.end();
        }
      }),
    unit: (work) => work(),
  };
}

/**
 * The `floor-same` configuration: hand-written code that puts on the wire what Runproof puts there
 * for each workload's call, in the cheapest way a hand-writer would, with none of Runproof's work
 * to find it out — values of the same sizes, computed once. Per call: the model span, started with
 * the attributes a sampler may use (operation, provider, model, server, run id) and given the rest
 * in one object as it ends (20 attributes on a chat call; the stream's two more, the structured
 * output's check and its evaluation event), the GenAI metric records (duration and token usage,
 * plus time to first chunk and per chunk for a stream, plus the validation counter for a checked
 * output) with shared attribute sets. Per unit: the run span with the run's attributes, a manifest
 * event of the size Runproof's has, and the two run metrics.
 */
export async function sameInformationWrappers(): Promise<Wrappers> {
  const { createHash, randomUUID } = await import('node:crypto');
  const { genAIMetricAttributes, globalGenAIInstruments, recordGenAIMetrics, recordStreamMetrics } =
    await import('@runproof/core/adapter');
  const tracer = trace.getTracer('bench-hand-written');
  const instruments = globalGenAIInstruments('bench-hand-written', '0.0.0');
  const meter = metrics.getMeter('bench-hand-written');
  const validationChecks = meter.createCounter('runproof.validation.checks');
  const runs = meter.createCounter('runproof.runs');
  const runDuration = meter.createHistogram('runproof.run.duration');
  const hex = (text: string, length = 64): string => createHash('sha256').update(text).digest('hex').slice(0, length);
  const start = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
    'server.address': 'api.openai.com',
    'server.port': 443,
  };
  const chat = {
    'openai.api.type': 'chat_completions',
    'gen_ai.request.max_tokens': 160,
    'gen_ai.request.temperature': 0.2,
    'runproof.call.fingerprint': hex('fingerprint'),
    'runproof.input.digest': hex('input', 32),
    'gen_ai.response.id': 'chatcmpl-Bx7ttf0TgJ1v9lQ4mEoP2aZ3kR8sD',
    'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    'gen_ai.response.finish_reasons': ['stop'],
    'gen_ai.usage.input_tokens': 65,
    'gen_ai.usage.output_tokens': 137,
    'openai.response.service_tier': 'default',
    'openai.response.system_fingerprint': 'fp_27bebe765c',
    'runproof.output.shape': hex('shape', 16),
    'openai.request.id': 'req_5d41402abc4b2a76b9719d911017c592',
  };
  const stream = { ...chat, 'gen_ai.request.stream': true, 'gen_ai.response.time_to_first_chunk': 0.0107 };
  const structured = {
    ...chat,
    'gen_ai.output.type': 'json',
    'runproof.validation.outcome': 'pass',
    'runproof.validation.checkpoint': 'response_format',
  };
  const evaluation = { 'gen_ai.evaluation.name': 'response_format', 'gen_ai.evaluation.score.label': 'pass' };
  const checked = { 'runproof.validation.checkpoint': 'response_format', 'runproof.validation.outcome': 'pass' };
  const metricAttributes = genAIMetricAttributes({
    operation: 'chat',
    provider: 'openai',
    requestModel: 'gpt-4o-mini',
    responseModel: 'gpt-4o-mini-2024-07-18',
    serverAddress: 'api.openai.com',
    serverPort: 443,
  });
  const runMetricAttributes = { 'runproof.run.name': 'invoice-triage', 'runproof.run.outcome': 'completed' };
  const runEnd = {
    'runproof.run.outcome': 'completed',
    'runproof.run.fingerprint': hex('run'),
    'runproof.run.observed_digest': hex('observed'),
  };
  // The size of the manifest Runproof records for the bench's runs (about 1 KB).
  const manifest = JSON.stringify({ padding: 'x'.repeat(1_000) });
  let runId = '';
  return {
    call: (work, workload) =>
      tracer.startActiveSpan(
        'chat gpt-4o-mini',
        { kind: SpanKind.CLIENT, attributes: { ...start, 'runproof.run.id': runId } },
        async (span) => {
          const started = performance.now();
          try {
            return await work();
          } finally {
            const seconds = (performance.now() - started) / 1000;
            if (workload.stream) {
              span.setAttributes(stream);
              recordStreamMetrics(instruments, metricAttributes, seconds / 4, seconds / 120);
            } else if (workload.structured) {
              span.setAttributes(structured);
              span.addEvent('gen_ai.evaluation.result', evaluation);
              validationChecks.add(1, checked);
            } else {
              span.setAttributes(chat);
            }
            recordGenAIMetrics(instruments, metricAttributes, seconds, 65, 137);
            span.end();
          }
        },
      ),
    unit: (work) =>
      tracer.startActiveSpan('invoke_workflow invoice-triage', async (span) => {
        const started = performance.now();
        runId = randomUUID();
        span.setAttributes({
          'gen_ai.operation.name': 'invoke_workflow',
          'gen_ai.workflow.name': 'invoice-triage',
          'runproof.run.id': runId,
          'runproof.run.name': 'invoice-triage',
          'runproof.run.attempt': 1,
          'runproof.run.continuation': 'new',
          'runproof.owner.technical': 'ml-platform',
          'runproof.owner.operational': 'accounts-payable',
        });
        try {
          return await work();
        } finally {
          span.setAttributes(runEnd);
          span.addEvent('runproof.run.manifest', {
            'runproof.manifest': manifest,
            'runproof.manifest.truncated': false,
          });
          runs.add(1, runMetricAttributes);
          runDuration.record((performance.now() - started) / 1000, runMetricAttributes);
          span.end();
        }
      }),
  };
}
