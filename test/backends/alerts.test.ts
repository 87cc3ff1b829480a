/**
 * The alerting example end to end, with the real programs: apps export spans to Jaeger v2 loaded
 * with the Collector configuration shipped in examples/alerts; its spanmetrics connector feeds its
 * Prometheus exporter; Debian's Prometheus scrapes that and evaluates the rules shipped in
 * examples/alerts. A healthy workload fires nothing; one that halts a run, fails validations and
 * escalates fires every alert the example defines.
 *
 * Two of the shipped rules wait 10 and 15 minutes (`for:`) before they fire. The shipped file is
 * loaded as it is, where those two are pending by the end of the test; a copy that differs only
 * in its `for:` lines (1s) shows them firing on the same series.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { removeFolder, temporaryFolder } from '../support/server-process.ts';
import { jaegerProgram, startJaeger, type Jaeger } from './jaeger.ts';
import { waitUntil } from './polling.ts';
import { prometheusProgram, startPrometheus, type Prometheus, type RuleGroup } from './prometheus.ts';
import { GUARDED_SCENARIOS, runDemo, runGuarded } from './workloads.ts';

const SHIPPED_RULES = fileURLToPath(new URL('../../examples/alerts/prometheus-rules.yaml', import.meta.url));
const ALERTS = ['RunproofValidationFailureRateHigh', 'RunproofBoundaryHalt', 'RunproofEscalationRateHigh'];

/** The shipped rules with every `for:` shortened to 1s; nothing else changes. */
function writeRulesFiringAtOnce(folder: string): string {
  const shipped = readFileSync(SHIPPED_RULES, 'utf8');
  const copy = shipped.replace(/^(\s+)for: \S+$/gm, '$1for: 1s');
  const changed = shipped.split('\n').filter((line, index) => line !== copy.split('\n')[index]);
  assert.deepEqual(
    changed,
    ['        for: 10m', '        for: 15m'],
    'the copy differs from the shipped rules in their for: lines only',
  );
  const path = join(folder, 'prometheus-rules-for-1s.yaml');
  writeFileSync(path, copy);
  return path;
}

/** Alerts' label sets, each as one line with its name first, sorted: comparable with deepEqual. */
const labelsOf = (alerts: { labels: Record<string, string> }[]) =>
  alerts
    .map((alert) =>
      JSON.stringify(
        Object.entries(alert.labels).sort(([a], [b]) =>
          a === 'alertname' ? -1 : b === 'alertname' ? 1 : a.localeCompare(b),
        ),
      ),
    )
    .sort();

describe(
  'alerts on Runproof spans: Jaeger spanmetrics → Prometheus → the example rules',
  { skip: jaegerProgram.skip || prometheusProgram.skip },
  () => {
    let folder: string;
    let jaeger: Jaeger;
    let prometheus: Prometheus;
    let firingAtOnce: string;
    before(async () => {
      folder = temporaryFolder('alerts');
      firingAtOnce = writeRulesFiringAtOnce(folder);
      jaeger = await startJaeger();
      prometheus = await startPrometheus({
        scrapeTargets: [jaeger.metricsTarget],
        ruleFiles: [SHIPPED_RULES, firingAtOnce],
      });
      await waitUntil(
        'Prometheus scrapes Jaeger',
        async () => (await prometheus.query('up{job="spanmetrics"} == 1')).length === 1,
        20_000,
      );
    });
    after(async () => {
      await prometheus?.stop();
      await jaeger?.stop();
      if (folder !== undefined) removeFolder(folder);
    });

    /** The sum of the span counter over `selector`, as Prometheus has it now. */
    async function calls(selector: string): Promise<number> {
      const [sample] = await prometheus.query(`sum(traces_span_metrics_calls_total{${selector}})`);
      return sample === undefined ? 0 : Number(sample.value[1]);
    }

    /** Waits until every rule group was evaluated after now, so the answers that follow saw the latest series. */
    async function nextEvaluation(): Promise<RuleGroup[]> {
      const now = Date.now();
      return waitUntil(
        'the rules are evaluated again',
        async () => {
          const groups = await prometheus.ruleGroups();
          return groups.length === 2 && groups.every((group) => Date.parse(group.lastEvaluation) > now) && groups;
        },
        10_000,
      );
    }

    const rulesOf = (groups: RuleGroup[], file: string) => groups.find((group) => group.file === file)?.rules ?? [];

    test('a healthy workload — the demo, twice: validations pass, runs complete — fires no alert', async () => {
      const service = 'healthy-service';
      const runs = `service_name="${service}", span_name="invoke_workflow invoice-triage"`;
      // Twice, so every counter grows between two scrapes and the rules' rates are real numbers.
      await runDemo({ service, endpoint: jaeger.otlpUrl });
      await waitUntil('Prometheus has the first three runs', async () => (await calls(runs)) === 3, 20_000);
      await runDemo({ service, endpoint: jaeger.otlpUrl });
      await waitUntil('Prometheus has all six runs', async () => (await calls(runs)) === 6, 20_000);

      const groups = await nextEvaluation();
      // The rules had series of this service to evaluate: validated spans at a non-zero rate.
      const validated = await prometheus.query(
        `sum by (span_name) (rate(traces_span_metrics_calls_total{service_name="${service}", runproof_validation_outcome=~"pass|fail|repaired"}[10m])) > 0`,
      );
      assert.deepEqual(validated.map((sample) => sample.metric.span_name).sort(), [
        'chat gpt-4o-mini',
        'validate invoice.fields',
      ]);
      assert.equal(await calls(`service_name="${service}", runproof_run_outcome="completed"`), 6);
      assert.deepEqual(await prometheus.alerts(), []);
      for (const file of [SHIPPED_RULES, firingAtOnce]) {
        assert.deepEqual(
          rulesOf(groups, file).map((rule) => [rule.name, rule.health, rule.state]),
          ALERTS.map((name) => [name, 'ok', 'inactive']),
        );
      }
    });

    test('a workload that halts a run, fails validations and escalates fires every alert of the example', async () => {
      const service = 'invoice-service';
      const scenarios = [
        'disallowed-model',
        'tool-escalate',
        'wrong-shape',
        'bad-arguments',
      ] as (keyof typeof GUARDED_SCENARIOS)[];
      const triageRuns = `service_name="${service}", runproof_run_name="triage"`;
      // Twice again: the counters grow between scrapes.
      await Promise.all(scenarios.map((scenario) => runGuarded(scenario, { service, endpoint: jaeger.otlpUrl })));
      await waitUntil('Prometheus has the first runs', async () => (await calls(triageRuns)) === 3, 20_000);
      await Promise.all(scenarios.map((scenario) => runGuarded(scenario, { service, endpoint: jaeger.otlpUrl })));
      await waitUntil('Prometheus has all runs', async () => (await calls(triageRuns)) === 6, 20_000);

      const expected: Record<string, string>[] = [
        {
          alertname: 'RunproofValidationFailureRateHigh',
          severity: 'warning',
          service_name: service,
          span_name: 'chat gpt-4o-mini',
        },
        {
          alertname: 'RunproofValidationFailureRateHigh',
          severity: 'warning',
          service_name: service,
          span_name: 'execute_tool lookup_vendor',
        },
        {
          alertname: 'RunproofBoundaryHalt',
          severity: 'critical',
          service_name: service,
          span_name: 'chat gpt-4.1',
          runproof_boundary_rule: 'allowed_models',
        },
        {
          alertname: 'RunproofEscalationRateHigh',
          severity: 'warning',
          service_name: service,
          runproof_run_name: 'triage',
        },
      ];
      const firing = await waitUntil(
        'every alert fires under the 1s copy of the rules',
        async () => {
          const rules = rulesOf(await prometheus.ruleGroups(), firingAtOnce);
          const alerts = rules.flatMap((rule) => rule.alerts ?? []);
          return alerts.length === expected.length && alerts.every((alert) => alert.state === 'firing') && alerts;
        },
        30_000,
      );
      const expectedAlerts = expected.map((labels) => ({ labels }));
      assert.deepEqual(labelsOf(firing), labelsOf(expectedAlerts));

      // The shipped rules on the same series: the halt fires at once; the two rates wait out their `for:`.
      const shipped = rulesOf(await nextEvaluation(), SHIPPED_RULES);
      assert.deepEqual(
        shipped.map((rule) => [rule.name, rule.state, labelsOf(rule.alerts ?? [])]),
        ALERTS.map((name) => [
          name,
          name === 'RunproofBoundaryHalt' ? 'firing' : 'pending',
          labelsOf(expectedAlerts.filter((alert) => alert.labels.alertname === name)),
        ]),
      );

      // The annotations say what happened, as the runbook reads them.
      const annotations = Object.fromEntries(
        firing.map((alert) => [
          `${alert.labels.alertname} ${alert.labels.span_name ?? alert.labels.runproof_run_name}`,
          alert.annotations,
        ]),
      );
      assert.deepEqual(annotations['RunproofBoundaryHalt chat gpt-4.1'], {
        summary: `Boundary halt on chat gpt-4.1 (${service})`,
        description: 'A boundary rule allowed_models with decision halt stopped chat gpt-4.1 in the last 5 minutes.',
      });
      assert.equal(annotations['RunproofEscalationRateHigh triage']?.summary, `Escalations in triage (${service})`);
      assert.match(
        annotations['RunproofEscalationRateHigh triage']?.description ?? '',
        /^\d+(\.\d+)?% of triage runs were escalated over the last 30 minutes\.$/,
      );
      assert.equal(
        annotations['RunproofValidationFailureRateHigh chat gpt-4o-mini']?.summary,
        `Validation failures on chat gpt-4o-mini (${service})`,
      );
      assert.match(
        annotations['RunproofValidationFailureRateHigh chat gpt-4o-mini']?.description ?? '',
        /^\d+(\.\d+)?% of validated chat gpt-4o-mini spans failed over the last 10 minutes\.$/,
      );

      // Prometheus's own list of alerts: these, from both rule files, and nothing about the healthy service.
      const active = await prometheus.alerts();
      assert.deepEqual(
        labelsOf(active.filter((alert) => alert.state === 'firing')),
        labelsOf([...firing, ...(shipped.find((rule) => rule.name === 'RunproofBoundaryHalt')?.alerts ?? [])]),
      );
      assert.equal(active.filter((alert) => alert.labels.service_name !== service).length, 0);
    });
  },
);
