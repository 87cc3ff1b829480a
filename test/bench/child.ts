/**
 * One configuration on one `openai` major, in its own process (started by `openai-bench.ts` with
 * an IPC channel). Its client talks to the simulator over HTTP (`--transport http`) or to a
 * custom `fetch` serving canned responses (`--transport canned`, after a `canned` request hands
 * them over). It answers the parent's requests one at a time:
 *
 * - `canned`: the recorded response of each workload, for the canned transport;
 * - `probe`: a few calls of each workload with attribute inspection on; spans per call and the
 *   attribute keys of each span name, so a peer that produces nothing is reported as such;
 * - `batch`: `calls` calls of one workload, measured — CPU (user + system, this process, from just
 *   before the first call to the end of the export of the batch's spans), wall time, each call's
 *   latency (when asked), spans and OTLP bytes exported; after a full collection when `collect`;
 * - `heap`: heap in use after a full GC (the process runs with `--expose-gc`);
 * - `profile`: starts, or stops and writes, a V8 CPU profile (the `--cpu-prof` profiler, driven
 *   through the inspector so it covers the measured rounds only, not start-up and warm-up);
 * - `exit`.
 */
import { parseArgs } from 'node:util';
import { createCannedFetch, createResponder, type CannedResponse } from './canned-responses.ts';
import { CpuProfiler } from './cpu-profiler.ts';
import { findConfiguration, type OpenAIMajor } from './configurations.ts';
import { setUp } from './instrument.ts';
import { findWorkload, runCalls, WORKLOADS, type WorkloadId } from './workloads.ts';

export type ChildRequest =
  | { type: 'canned'; responses: Record<WorkloadId, CannedResponse> }
  | { type: 'probe'; calls: number }
  | { type: 'batch'; workload: WorkloadId; calls: number; latencies: boolean; collect: boolean }
  | { type: 'heap' }
  | { type: 'profile'; action: 'start' }
  | { type: 'profile'; action: 'stop'; file: string }
  | { type: 'exit' };

export interface ProbeResult {
  type: 'probe';
  /** Spans exported per call, by workload. */
  spansPerCall: Record<string, number>;
  /** Attribute keys seen on each span name. */
  keysBySpanName: Record<string, string[]>;
}

export interface BatchResult {
  type: 'batch';
  cpuMicros: number;
  /** Wall time of the calls, without the final flush. */
  wallMs: number;
  /** Each call's latency in ms; empty unless the request asked for them. */
  latencies: number[];
  spans: number;
  bytes: number;
}

export type ChildResponse =
  | { type: 'ready'; openaiVersion: string }
  | { type: 'canned' }
  | ProbeResult
  | BatchResult
  | { type: 'heap'; heapUsed: number }
  | { type: 'profile' }
  | { type: 'error'; message: string };

const { values } = parseArgs({
  options: {
    configuration: { type: 'string' },
    openai: { type: 'string' },
    transport: { type: 'string', default: 'http' },
    'simulator-url': { type: 'string' },
    'calls-per-run': { type: 'string' },
    content: { type: 'boolean', default: false },
  },
  strict: true,
});

const configuration = findConfiguration(values.configuration ?? '');
const major = Number(values.openai) as OpenAIMajor;
const callsPerRun = Number(values['calls-per-run']);
// The canned transport's responses arrive with the `canned` request, before any call is made.
let respond: ((body: string) => Response) | undefined;
const { client, telemetry, wrappers, openaiVersion } = await setUp(configuration, major, {
  simulatorUrl: values['simulator-url'] ?? '',
  content: values.content,
  fetch: values.transport === 'canned' ? createCannedFetch((body) => respond!(body)) : undefined,
});
const profiler = new CpuProfiler();
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? ((): void => {});

function send(response: ChildResponse): void {
  process.send?.(response);
}

async function handle(request: ChildRequest): Promise<ChildResponse | undefined> {
  switch (request.type) {
    case 'canned': {
      const chat = createResponder(request.responses.chat);
      const stream = createResponder(request.responses.stream);
      const structured = createResponder(request.responses.structured);
      // The request body says which workload it is; the 16-concurrent workload sends chat requests.
      respond = (body) =>
        body.includes('"stream":true') ? stream() : body.includes('"response_format"') ? structured() : chat();
      return { type: 'canned' };
    }
    case 'probe': {
      const { exporter } = telemetry;
      exporter.inspecting = true;
      const spansPerCall: Record<string, number> = {};
      for (const workload of WORKLOADS) {
        const before = exporter.spans;
        await runCalls(client, workload, request.calls, callsPerRun, wrappers);
        await telemetry.flush();
        spansPerCall[workload.id] = (exporter.spans - before) / request.calls;
      }
      exporter.inspecting = false;
      const keysBySpanName = Object.fromEntries(
        [...exporter.keysBySpanName].map(([name, keys]) => [name, [...keys].sort()]),
      );
      return { type: 'probe', spansPerCall, keysBySpanName };
    }
    case 'batch': {
      const workload = findWorkload(request.workload);
      const { exporter } = telemetry;
      const spansBefore = exporter.spans;
      const bytesBefore = exporter.bytes;
      if (request.collect) collectGarbage();
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const latencies = await runCalls(client, workload, request.calls, callsPerRun, wrappers, request.latencies);
      const wallMs = performance.now() - started;
      await telemetry.flush();
      const cpu = process.cpuUsage(cpuBefore);
      return {
        type: 'batch',
        cpuMicros: cpu.user + cpu.system,
        wallMs,
        latencies,
        spans: exporter.spans - spansBefore,
        bytes: exporter.bytes - bytesBefore,
      };
    }
    case 'heap':
      collectGarbage();
      collectGarbage();
      return { type: 'heap', heapUsed: process.memoryUsage().heapUsed };
    case 'profile':
      if (request.action === 'start') await profiler.start();
      else await profiler.stop(request.file);
      return { type: 'profile' };
    case 'exit':
      await telemetry.shutdown();
      // Keep-alive sockets would hold the process open; exiting also writes the `--cpu-prof` profile.
      process.exit(0);
  }
}

process.on('message', (request: ChildRequest) => {
  handle(request).then(
    (response) => {
      if (response !== undefined) send(response);
    },
    (error: unknown) =>
      send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
send({ type: 'ready', openaiVersion });
