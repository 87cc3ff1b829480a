// The baseline alerting rules of examples/alerts, checked by promtool (they fire and stay quiet),
// and checked against the Collector configuration beside them: every label a rule reads — or a
// unit test feeds it — is one the spanmetrics connector makes from a dimension of that
// configuration (or one of its defaults), or one the Prometheus exporter makes of Runproof's OTLP
// metrics; and every dimension configured is read by a rule.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_RUNPROOF_DRIFT_KIND,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@runproof/core/semconv';
import { requireProgram } from '../support/programs.ts';

const directory = fileURLToPath(new URL('../../examples/alerts/', import.meta.url));
const promtool = requireProgram('promtool', { install: "Debian's prometheus package (apt-get install prometheus)" });
const read = (file: string) => readFileSync(join(directory, file), 'utf8');
const label = (attribute: string) => attribute.replace(/\./g, '_');

function runPromtool(...args: string[]): string {
  const result = spawnSync(promtool.path(), args, { cwd: directory, encoding: 'utf8' });
  assert.equal(result.status, 0, `promtool ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
  return result.stdout + result.stderr;
}

/** The labels each metric a rule may read carries in Prometheus, given the Collector configuration. */
function labelsByMetric(collector: string): Map<string, Set<string>> {
  const dimensions = [...collector.matchAll(/^\s*- name: ([a-z_.]+)/gm)].map((match) => label(match[1]!));
  // The connector's own dimensions, then the configured ones; `le` on histogram buckets.
  const spans = ['service_name', 'span_name', 'span_kind', 'status_code', ...dimensions];
  // The Prometheus exporter: each data point's attributes, and the resource as job and instance.
  const exported = (...attributes: string[]) => ['job', 'instance', ...attributes.map(label)];
  const tokens = exported(
    ATTR_GEN_AI_OPERATION_NAME,
    ATTR_GEN_AI_PROVIDER_NAME,
    ATTR_GEN_AI_REQUEST_MODEL,
    ATTR_GEN_AI_RESPONSE_MODEL,
    ATTR_SERVER_ADDRESS,
    ATTR_SERVER_PORT,
    ATTR_ERROR_TYPE,
    ATTR_GEN_AI_TOKEN_TYPE,
  );
  // The exporter also names the instrumentation scope of OTLP metrics.
  const scope = ['otel_scope_name', 'otel_scope_version', 'otel_scope_schema_url'];
  return new Map([
    ['traces_span_metrics_calls_total', new Set(spans)],
    ['traces_span_metrics_duration_milliseconds_bucket', new Set([...spans, 'le'])],
    ['gen_ai_client_token_usage_sum', new Set([...tokens, ...scope])],
    ['gen_ai_client_token_usage_count', new Set([...tokens, ...scope])],
    ['runproof_drift_events_total', new Set([...exported(ATTR_RUNPROOF_DRIFT_KIND), ...scope])],
  ]);
}

/** Each alert of a rule file: its name and the text of its expression, labels and annotations. */
function alertsOf(rules: string): { name: string; text: string }[] {
  return rules
    .split(/^\s*- alert: /m)
    .slice(1)
    .map((block) => ({ name: block.split('\n')[0]!.trim(), text: block }));
}

/** The label names an alert reads: grouped or matched on, in selectors, and in its templates. */
function labelsRead(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/\b(?:by|on|without|ignoring)\s*\(([^)]*)\)/g))
    for (const name of match[1]!.split(',')) if (name.trim() !== '') names.add(name.trim());
  for (const selector of text.matchAll(/\{([^{}]*)\}/g)) {
    for (const matcher of selector[1]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) names.add(matcher[1]!);
  }
  for (const match of text.matchAll(/\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)/g)) names.add(match[1]!);
  // Go template blocks are not selectors.
  for (const template of text.matchAll(/\{\{[^}]*\}\}/g))
    for (const word of template[0].matchAll(/[a-z_]+/g))
      if (!text.includes(`$labels.${word[0]}`)) names.delete(word[0]);
  return names;
}

describe('the baseline alerting rules, checked by promtool', { skip: promtool.skip }, () => {
  test('they are valid Prometheus rules', () => {
    assert.match(runPromtool('check', 'rules', 'baseline-rules.yaml'), /SUCCESS: 7 rules found/);
  });

  test('they pass their unit tests: each fires, and stays quiet (a new model and backend, drift by kind; validation failures, truncations, tokens per call and p95 latency on last week)', () => {
    const output = runPromtool('test', 'rules', 'baseline-rules.test.yaml', 'baseline-rules-weekly.test.yaml');
    assert.equal(output.match(/SUCCESS/g)?.length, 2, output);
  });
});

test('the Collector configuration makes exactly the labels the rules read, and each dimension is read by a rule', () => {
  const collector = read('otelcol-config.yaml');
  assert.match(collector, /namespace: traces\.span\.metrics/, 'the metric names depend on this namespace');
  assert.match(
    collector,
    /histogram:\s*\n\s*unit: ms/,
    'traces_span_metrics_duration_milliseconds depends on this unit',
  );
  const byMetric = labelsByMetric(collector);
  const problems: string[] = [];
  const used = new Set<string>();
  for (const file of ['prometheus-rules.yaml', 'baseline-rules.yaml']) {
    for (const alert of alertsOf(read(file))) {
      const metrics = [...byMetric.keys()].filter((metric) => new RegExp(`\\b${metric}\\b`).test(alert.text));
      if (metrics.length === 0) problems.push(`${alert.name}: reads no metric the Collector serves`);
      const available = new Set(metrics.flatMap((metric) => [...byMetric.get(metric)!]));
      for (const name of labelsRead(alert.text)) {
        if (available.has(name)) used.add(name);
        else problems.push(`${alert.name}: label ${name} is not on ${metrics.join(', ')}`);
      }
    }
  }
  assert.deepEqual(problems, []);
  const dimensions = [...collector.matchAll(/^\s*- name: ([a-z_.]+)/gm)].map((match) => label(match[1]!));
  assert.deepEqual(
    dimensions.filter((dimension) => !used.has(dimension)),
    [],
    'every dimension is read by a rule',
  );
});

test('the unit tests feed the rules only series the Collector would serve', () => {
  const byMetric = labelsByMetric(read('otelcol-config.yaml'));
  const problems: string[] = [];
  const tests = read('baseline-rules.test.yaml') + read('baseline-rules-weekly.test.yaml');
  for (const match of tests.matchAll(/series: '([a-z_]+)\{([^']*)\}'/g)) {
    const allowed = byMetric.get(match[1]!);
    if (allowed === undefined) {
      problems.push(`unknown metric ${match[1]}`);
      continue;
    }
    for (const matcher of match[2]!.matchAll(/([a-z_]+)="/g))
      if (!allowed.has(matcher[1]!)) problems.push(`${match[1]}: ${matcher[1]}`);
  }
  assert.deepEqual(problems, []);
});
