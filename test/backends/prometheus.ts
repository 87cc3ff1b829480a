/**
 * Debian's Prometheus for the tests, on a loopback port: scraping the targets a test names and
 * evaluating the rule files it names, every `interval`, with the answers of its HTTP API typed as
 * far as the tests read them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireProgram } from '../support/programs.ts';
import {
  freePort,
  removeFolder,
  serverProcess,
  temporaryFolder,
  type ServerProcess,
} from '../support/server-process.ts';
import { getJson } from './polling.ts';

/** Prometheus, from Debian's package. */
export const prometheusProgram = requireProgram('prometheus', {
  install: "Debian's prometheus package (apt-get install prometheus)",
});

/** A series and its value, from an instant query. */
export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An alert as `/api/v1/alerts` and `/api/v1/rules` list it. */
export interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
  value: string;
}

/** A rule group as `/api/v1/rules` lists it. */
export interface RuleGroup {
  name: string;
  file: string;
  lastEvaluation: string;
  rules: {
    name: string;
    type: 'alerting' | 'recording';
    state?: 'inactive' | 'pending' | 'firing';
    alerts?: Alert[];
    lastEvaluation: string;
    health: string;
    lastError?: string;
  }[];
}

export interface PrometheusOptions {
  /** `host:port` targets serving `/metrics`. */
  scrapeTargets: string[];
  /** Absolute paths of rule files. */
  ruleFiles: string[];
  /** Scrape and evaluation interval. Default `500ms`: a test waits seconds, not minutes. */
  interval?: string;
}

/** A running Prometheus. */
export interface Prometheus {
  readonly url: string;
  /** Everything it printed since it was ready, for failure messages. */
  readonly output: string;
  /** An instant query's vector. */
  query(expression: string): Promise<Sample[]>;
  /** Every active alert (pending or firing), from `/api/v1/alerts`. */
  alerts(): Promise<Alert[]>;
  /** The alerting rule groups and each rule's state, from `/api/v1/rules`. */
  ruleGroups(): Promise<RuleGroup[]>;
  stop(): Promise<void>;
}

function configuration(options: PrometheusOptions): string {
  const interval = options.interval ?? '500ms';
  return `# Written by test/backends/prometheus.ts.
global:
  scrape_interval: ${interval}
  scrape_timeout: ${interval}
  evaluation_interval: ${interval}
rule_files:
${options.ruleFiles.map((file) => `  - ${JSON.stringify(file)}`).join('\n')}
scrape_configs:
  - job_name: spanmetrics
    static_configs:
      - targets: [${options.scrapeTargets.map((target) => JSON.stringify(target)).join(', ')}]
`;
}

/**
 * Starts Prometheus with its data in a temporary folder, resolved once it is ready.
 *
 * @example
 * const prometheus = await startPrometheus({ scrapeTargets: [jaeger.metricsTarget], ruleFiles: [rules] });
 * after(() => prometheus.stop());
 */
export async function startPrometheus(options: PrometheusOptions): Promise<Prometheus> {
  const folder = temporaryFolder('prometheus');
  const config = join(folder, 'prometheus.yaml');
  writeFileSync(config, configuration(options));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const server = serverProcess({
      name: 'Prometheus',
      command: [
        prometheusProgram.path(),
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(folder, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      ready: /Server is ready to receive web requests/,
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
    return running(server, `http://127.0.0.1:${port}`, folder);
  }
}

function running(server: ServerProcess, url: string, folder: string): Prometheus {
  const data = async <T>(path: string): Promise<T> => ((await getJson(`${url}${path}`)) as { data: T }).data;
  return {
    url,
    get output() {
      return server.output;
    },
    async query(expression) {
      return (
        await data<{ result: Sample[] }>(`/api/v1/query?${new URLSearchParams({ query: expression }).toString()}`)
      ).result;
    },
    async alerts() {
      return (await data<{ alerts: Alert[] }>('/api/v1/alerts')).alerts;
    },
    async ruleGroups() {
      return (await data<{ groups: RuleGroup[] }>('/api/v1/rules?type=alert')).groups;
    },
    async stop() {
      await server.stop();
      removeFolder(folder);
    },
  };
}
