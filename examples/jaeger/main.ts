/**
 * `npm run jaeger`: Jaeger v2 and Prometheus on this machine, on loopback ports, with the Collector
 * configuration and alert rules shipped in `examples/alerts/`; then the demo, its spans sent to that
 * Jaeger over OTLP/HTTP. Prints where to look and keeps both running until Ctrl+C.
 *
 * Jaeger is built once from its Go module release (test/backends/jaeger/build.sh, into .tmp/bin/;
 * minutes the first time, needs Go); Prometheus is Debian's `prometheus` package. The Go module
 * build of Jaeger serves the query API but not the UI's assets: open the traces in a Jaeger UI of
 * your own pointed at that API, or read them from the API as below.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { jaegerProgram, startJaeger } from '../../test/backends/jaeger.ts';
import { prometheusProgram, startPrometheus } from '../../test/backends/prometheus.ts';

const repository = fileURLToPath(new URL('../../', import.meta.url));

if (jaegerProgram.skip) {
  process.stdout.write(
    'Jaeger is not built yet: building it with test/backends/jaeger/build.sh (needs Go; minutes the first time)…\n',
  );
  const build = spawnSync('bash', [`${repository}test/backends/jaeger/build.sh`], { stdio: 'inherit' });
  if (build.status !== 0) {
    process.stderr.write(
      'Building Jaeger failed: install Go (https://go.dev/dl/) and run test/backends/jaeger/build.sh\n',
    );
    process.exit(1);
  }
}
if (prometheusProgram.skip) {
  process.stderr.write(`${prometheusProgram.skip}\n`);
  process.exit(1);
}

const jaeger = await startJaeger();
const prometheus = await startPrometheus({
  scrapeTargets: [jaeger.metricsTarget],
  ruleFiles: [`${repository}examples/alerts/prometheus-rules.yaml`, `${repository}examples/alerts/baseline-rules.yaml`],
  interval: '5s',
});
const stop = async () => {
  await Promise.allSettled([jaeger.stop(), prometheus.stop()]);
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());

const demo = spawn(process.execPath, [fileURLToPath(new URL('../demo/main.ts', import.meta.url))], {
  stdio: 'inherit',
  env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpUrl, OTEL_SERVICE_NAME: 'invoice-triage-demo' },
});
const [code] = (await once(demo, 'exit')) as [number | null];
if (code !== 0) process.stderr.write(`the demo exited with ${code}\n`);

process.stdout.write(`
Jaeger (query API):   ${jaeger.queryUrl}/api/services
  the demo's traces:  ${jaeger.queryUrl}/api/traces?service=invoice-triage-demo
  by tag:             ${jaeger.queryUrl}/api/traces?service=invoice-triage-demo&tags=${encodeURIComponent('{"runproof.drift.detected":"true"}')}
  OTLP/HTTP endpoint: ${jaeger.otlpUrl}   (OTEL_EXPORTER_OTLP_ENDPOINT for your own app)
Prometheus:           ${prometheus.url}/alerts   (the rules of examples/alerts, on Jaeger's spanmetrics)
  a series:           ${prometheus.url}/api/v1/query?query=${encodeURIComponent('sum by (span_name) (traces_span_metrics_calls_total)')}
Ctrl+C stops both.
`);
