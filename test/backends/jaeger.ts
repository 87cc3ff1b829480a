/**
 * Jaeger v2 for the tests, on loopback ports: the binary `test/backends/jaeger/build.sh` builds
 * (the release pinned in `test/backends/jaeger/go.mod`), started with the Collector configuration
 * shipped in `examples/alerts/otelcol-config.yaml` unchanged, plus a second file this module writes
 * that makes the same process the Jaeger the shipped file forwards traces to.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireProgram } from '../support/programs.ts';
import {
  freePort,
  removeFolder,
  serverProcess,
  temporaryFolder,
  type ServerProcess,
} from '../support/server-process.ts';
import { fetchJson, waitUntil } from './polling.ts';

const repository = fileURLToPath(new URL('../../', import.meta.url));

/** The Collector configuration users copy from `examples/alerts/`, loaded as it is. */
export const SHIPPED_COLLECTOR_CONFIG = join(repository, 'examples/alerts/otelcol-config.yaml');

/** Jaeger v2, found on PATH or where `test/backends/jaeger/build.sh` puts it. */
export const jaegerProgram = requireProgram('jaeger', {
  install: 'Go (https://go.dev/dl/), then build Jaeger v2 once with test/backends/jaeger/build.sh (into .tmp/bin/)',
  folders: [join(repository, '.tmp/bin')],
});

/** A running Jaeger. */
export interface Jaeger {
  /** For `OTEL_EXPORTER_OTLP_ENDPOINT`: its OTLP/HTTP receiver. */
  readonly otlpUrl: string;
  /** The query service: the UI's `/api/…` and `/api/v3/…`. */
  readonly queryUrl: string;
  /** `host:port` of the spanmetrics connector's Prometheus exporter, for a scrape target. */
  readonly metricsTarget: string;
  /** Everything Jaeger printed since it was ready, for failure messages. */
  readonly output: string;
  stop(): Promise<void>;
}

interface Ports {
  otlpHttp: number;
  otlpGrpc: number;
  forwarded: number;
  metrics: number;
  queryHttp: number;
  queryGrpc: number;
}

/**
 * Settings on top of the shipped file (maps merge key by key, the later file wins):
 * - every endpoint on 127.0.0.1 and a free port instead of 0.0.0.0 and fixed ports;
 * - the `otlp/jaeger` exporter sends to a second OTLP receiver in this process, whose pipeline
 *   stores the traces in memory for the query service (Jaeger's extensions and storage exporter);
 * - the spanmetrics connector flushes every second instead of every 15, so a test waits seconds;
 * - no self-telemetry: the Collector's own metrics port and Jaeger's tracing of its queries.
 */
function jaegerLayer(ports: Ports): string {
  return `# Written by test/backends/jaeger.ts; loaded after examples/alerts/otelcol-config.yaml.
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${ports.otlpHttp}
      grpc:
        endpoint: 127.0.0.1:${ports.otlpGrpc}
  otlp/jaeger:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${ports.forwarded}

connectors:
  spanmetrics:
    metrics_flush_interval: 1s

exporters:
  prometheus:
    endpoint: 127.0.0.1:${ports.metrics}
  otlp/jaeger:
    endpoint: 127.0.0.1:${ports.forwarded}
  jaeger_storage_exporter:
    trace_storage: in_memory

extensions:
  jaeger_storage:
    backends:
      in_memory:
        memory:
          max_traces: 10000
  jaeger_query:
    storage:
      traces: in_memory
    enable_tracing: false
    http:
      endpoint: 127.0.0.1:${ports.queryHttp}
    grpc:
      endpoint: 127.0.0.1:${ports.queryGrpc}

service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces/jaeger:
      receivers: [otlp/jaeger]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: info
`;
}

/**
 * Starts Jaeger and resolves once its receivers, query service and metrics endpoint answer.
 *
 * @example
 * const jaeger = await startJaeger();
 * after(() => jaeger.stop());
 * await runApp(app, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpUrl } });
 */
export async function startJaeger(): Promise<Jaeger> {
  const folder = temporaryFolder('jaeger');
  const layer = join(folder, 'jaeger-layer.yaml');
  // A free port can be taken by another process before Jaeger binds it: then try new ones.
  for (let attempt = 1; ; attempt++) {
    const ports: Ports = {
      otlpHttp: await freePort(),
      otlpGrpc: await freePort(),
      forwarded: await freePort(),
      metrics: await freePort(),
      queryHttp: await freePort(),
      queryGrpc: await freePort(),
    };
    if (new Set(Object.values(ports)).size < Object.keys(ports).length) continue;
    writeFileSync(layer, jaegerLayer(ports));
    const server = serverProcess({
      name: 'Jaeger',
      command: [jaegerProgram.path(), '--config', SHIPPED_COLLECTOR_CONFIG, '--config', layer],
      ready: /Everything is ready/,
      stopSignal: 'SIGTERM',
      timeoutMs: 30_000,
    });
    try {
      await server.start();
    } catch (error) {
      if (attempt < 3 && /address already in use/.test(String(error))) continue;
      removeFolder(folder);
      throw error;
    }
    const jaeger = running(server, ports, folder);
    await waitUntil(
      'Jaeger answers',
      async () => (await fetchJson(`${jaeger.queryUrl}/api/services`)) !== undefined,
      10_000,
    );
    return jaeger;
  }
}

function running(server: ServerProcess, ports: Ports, folder: string): Jaeger {
  return {
    otlpUrl: `http://127.0.0.1:${ports.otlpHttp}`,
    queryUrl: `http://127.0.0.1:${ports.queryHttp}`,
    metricsTarget: `127.0.0.1:${ports.metrics}`,
    get output() {
      return server.output;
    },
    async stop() {
      await server.stop();
      removeFolder(folder);
    },
  };
}
