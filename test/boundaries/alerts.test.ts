import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { requireProgram } from '../support/programs.ts';

const directory = fileURLToPath(new URL('../../examples/alerts/', import.meta.url));
const promtool = requireProgram('promtool', { install: "Debian's prometheus package (apt-get install prometheus)" });

function runPromtool(...args: string[]): string {
  const result = spawnSync(promtool.path(), args, { cwd: directory, encoding: 'utf8' });
  assert.equal(result.status, 0, `promtool ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
  return result.stdout + result.stderr;
}

describe('the alerting rules, checked by promtool', { skip: promtool.skip }, () => {
  test('they are valid Prometheus rules', () => {
    assert.match(runPromtool('check', 'rules', 'prometheus-rules.yaml'), /SUCCESS: 3 rules found/);
  });

  test('they pass their unit tests (validation failure rate, any halt, escalation rate)', () => {
    assert.match(runPromtool('test', 'rules', 'prometheus-rules.test.yaml'), /SUCCESS/);
  });
});

test('every Runproof label the rules use is a spanmetrics dimension of the Collector config', () => {
  const rules = readFileSync(join(directory, 'prometheus-rules.yaml'), 'utf8');
  const collector = readFileSync(join(directory, 'otelcol-config.yaml'), 'utf8');
  const dimensions = new Set(
    [...collector.matchAll(/^\s*- name: ([a-z_.]+)/gm)].map((match) => match[1]!.replace(/\./g, '_')),
  );
  const labels = new Set([...rules.matchAll(/\b((?:runproof|gen_ai)_[a-z_]+)\b/g)].map((match) => match[1]!));
  assert.ok(labels.size >= 4);
  assert.deepEqual(
    [...labels].filter((label) => !dimensions.has(label)),
    [],
  );
  assert.match(
    collector,
    /namespace: traces\.span\.metrics/,
    'the metric name traces_span_metrics_calls_total depends on this namespace',
  );
});
