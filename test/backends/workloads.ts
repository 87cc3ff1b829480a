/**
 * The repository's own apps, run as their tests run them — zero-code under
 * `--import @runproof/core/register`, each against a simulator of its own — exporting over
 * OTLP/HTTP to a backend and, when asked, also to a trace file, so a test can compare what the
 * backend shows with exactly what was exported.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator, type Script, type Simulator } from '../simulator/simulator.ts';
import { runApp, type AppResult } from '../support/app.ts';
import { readTraceFileLines, spansOf, type Span } from './otlp-spans.ts';

const app = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** The demo's invoice-triage app (what `npm run demo` runs first, see examples/demo/main.ts). */
export const DEMO_APP = app('examples/demo/invoice-triage.ts');
/** The demo's durable run, killed after classifying and resumed (what `npm run demo` runs next). */
export const DEMO_DURABLE_APP = app('examples/demo/durable-invoice.ts');
/** One call of each OpenAI surface inside a run (test/openai/auto-instrumentation.test.ts). */
export const OPENAI_APP = app('test/openai/apps/app.mjs');
/** Boundaries and checks through the openai client, by SCENARIO (test/boundaries/openai-end-to-end.test.ts). */
export const GUARDED_APP = app('test/boundaries/apps/guarded-agent.mjs');
/** A LangChain agent with a tool (test/langchain/otlp.test.ts). */
export const LANGCHAIN_APP = app('test/langchain/apps/agent.mjs');
/** A durable five-step run that can fail and be retried (test/continuity/durable-runs.test.ts). */
export const WORKER_APP = app('test/continuity/apps/invoice-worker.mjs');

/** Where an app's telemetry goes. */
export interface Destination {
  /** `OTEL_SERVICE_NAME`. */
  service: string;
  /** `OTEL_EXPORTER_OTLP_ENDPOINT`, when the spans go to a backend. */
  endpoint?: string;
  /** A trace file to write as well (`OTEL_TRACES_EXPORTER` with `file`). */
  traceFile?: string;
  /** More environment for the app. */
  env?: Record<string, string>;
}

/** What an app printed, and the spans its trace file holds (none without one). */
export interface TracedRun extends AppResult {
  spans: Span[];
}

/** Runs `file` zero-code with its telemetry going to `destination`; throws unless it exits with `exitCode` (null: killed by a signal). */
export async function runTraced(
  file: string,
  destination: Destination,
  exitCode: number | null = 0,
): Promise<TracedRun> {
  const exporters = [
    ...(destination.traceFile === undefined ? [] : ['file']),
    ...(destination.endpoint === undefined ? [] : ['otlp']),
  ];
  const result = await runApp(file, {
    args: ['--import', '@runproof/core/register'],
    env: {
      OTEL_SERVICE_NAME: destination.service,
      OTEL_TRACES_EXPORTER: exporters.join(',') || 'none',
      ...(destination.endpoint === undefined ? {} : { OTEL_EXPORTER_OTLP_ENDPOINT: destination.endpoint }),
      ...(destination.traceFile === undefined ? {} : { RUNPROOF_TRACES_FILE: destination.traceFile }),
      ...destination.env,
    },
    timeoutMs: 60_000,
  });
  if (result.code !== exitCode)
    throw new Error(`${file} exited with ${result.code}, not ${exitCode}:\n${result.stdout}\n${result.stderr}`);
  // A process killed before its first export wrote no file.
  const spans =
    destination.traceFile === undefined || !existsSync(destination.traceFile)
      ? []
      : spansOf(readTraceFileLines(readFileSync(destination.traceFile, 'utf8')));
  return { ...result, spans };
}

/** Runs `work` with a simulator of its own, closed after. */
export async function withSimulator<T>(work: (simulator: Simulator) => Promise<T>): Promise<T> {
  const simulator = await startSimulator({ chunkDelayMs: 0 });
  try {
    return await work(simulator);
  } finally {
    await simulator.close();
  }
}

/** What the demo's processes exported: the batch of three invoices, then the durable run's two processes. */
export interface DemoRuns {
  batch: TracedRun;
  /** The durable run's first process, killed after classifying (it exported nothing). */
  crashed?: TracedRun;
  /** The process that resumed the durable run from its journal. */
  resumed?: TracedRun;
}

/**
 * The demo as `npm run demo` runs it (examples/demo/main.ts): three invoices, and after the first
 * invoice's four model calls the simulated provider silently moves the alias to a new snapshot.
 * With `durableFolder`, then the durable run: its first process kills itself after classifying;
 * once its lease has expired a second one resumes it from the SQLite journal in that folder.
 */
export function runDemo(destination: Destination, durableFolder?: string): Promise<DemoRuns> {
  return withSimulator(async (simulator) => {
    const upgrade = setInterval(() => {
      if (simulator.requests.length < 4) return;
      simulator.setResolvedModel((requested) => `${requested}-2025-07-18`);
      simulator.setSystemFingerprint('fp_4fe6d1250b');
      clearInterval(upgrade);
    }, 1);
    const env = {
      OPENAI_BASE_URL: simulator.url,
      OPENAI_API_KEY: 'demo-key',
      RUNPROOF_CODE_VERSION: 'demo',
      ...destination.env,
    };
    const file = (label: string) => destination.traceFile?.replace(/\.json$/, `-${label}.json`);
    try {
      const batch = await runTraced(DEMO_APP, { ...destination, env });
      if (durableFolder === undefined) return { batch };
      const durable = {
        ...env,
        RUNPROOF_STORE: `sqlite:${join(durableFolder, 'demo-runs.db')}`,
        RUNPROOF_LEASE_MS: '1000',
        NODE_NO_WARNINGS: '1',
      };
      const crashed = await runTraced(
        DEMO_DURABLE_APP,
        { ...destination, traceFile: file('crashed'), env: { ...durable, CRASH_AFTER_CLASSIFY: '1' } },
        null,
      );
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // the killed process's lease expires
      const resumed = await runTraced(DEMO_DURABLE_APP, { ...destination, traceFile: file('resumed'), env: durable });
      return { batch, crashed, resumed };
    } finally {
      clearInterval(upgrade);
    }
  });
}

/** The guarded app's scenarios, with what the simulator answers in each. */
export const GUARDED_SCENARIOS = {
  /** A model outside the allowed list: halted before the request (`allowed_models`). */
  'disallowed-model': [],
  /** Three tool calls over a limit of two, under an escalate decision (`max_tool_calls`). */
  'tool-escalate': [{ toolCalls: [{ name: 'lookup_vendor', arguments: { vendor: 'ACME' } }], times: 3 }],
  /** A structured output whose amount is a string: validation fails (record mode). */
  'wrong-shape': [{ json: { vendor: 'ACME', amount: '1,280.50' } }],
  /** A tool call whose argument has the wrong type: fails validation, the enforced tool never runs. */
  'bad-arguments': [{ toolCalls: [{ name: 'lookup_vendor', arguments: { vendor: 42 } }] }],
} satisfies Record<string, Script[]>;

/** Runs one scenario of the guarded app. */
export function runGuarded(scenario: keyof typeof GUARDED_SCENARIOS, destination: Destination): Promise<TracedRun> {
  return withSimulator((simulator) => {
    simulator.enqueue(...GUARDED_SCENARIOS[scenario]);
    return runTraced(GUARDED_APP, {
      ...destination,
      env: { SCENARIO: scenario, SIMULATOR_URL: simulator.url, ...destination.env },
    });
  });
}

/** A trace file path in `folder` named after the service and a label. */
export function traceFileIn(folder: string, service: string, label = 'traces'): string {
  return join(folder, `${service}-${label}.json`);
}
