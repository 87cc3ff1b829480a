import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const directory = fileURLToPath(new URL('../../examples/alerts/', import.meta.url));

function promtool(...args: string[]): string {
  const result = spawnSync('promtool', args, { cwd: directory, encoding: 'utf8' });
  if (result.error !== undefined && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    assert.fail('promtool is not on PATH: install Debian\'s prometheus package (apt-get install -y --no-install-recommends prometheus); .ci/run does this');
  }
  assert.equal(result.status, 0, `promtool ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
  return result.stdout + result.stderr;
}

test('the alerting rules are valid Prometheus rules', () => {
  assert.match(promtool('check', 'rules', 'prometheus-rules.yaml'), /SUCCESS: 3 rules found/);
});

test('the alerting rules pass their unit tests (validation failure rate, any halt, escalation rate)', () => {
  assert.match(promtool('test', 'rules', 'prometheus-rules.test.yaml'), /SUCCESS/);
});

test('every Runproof label the rules use is a spanmetrics dimension of the Collector config', () => {
  const rules = readFileSync(join(directory, 'prometheus-rules.yaml'), 'utf8');
  const collector = readFileSync(join(directory, 'otelcol-config.yaml'), 'utf8');
  const dimensions = new Set([...collector.matchAll(/^\s*- name: ([a-z_.]+)/gm)].map((match) => match[1]!.replace(/\./g, '_')));
  const labels = new Set([...rules.matchAll(/\b((?:runproof|gen_ai)_[a-z_]+)\b/g)].map((match) => match[1]!));
  assert.ok(labels.size >= 4);
  assert.deepEqual([...labels].filter((label) => !dimensions.has(label)), []);
  assert.match(collector, /namespace: traces\.span\.metrics/, 'the metric name traces_span_metrics_calls_total depends on this namespace');
});
