// contrib/grafana/tend-fleet.json: the dashboard parses, covers what the fleet issue asks for, and every
// metric its PromQL reads is a series docs/metrics.md documents (itself checked against a live
// /metrics by test/e2e/truth-metrics.test.ts). promtool, when installed, parses every expression.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { repoRoot } from '../../helpers/paths.js';

const read = (path: string) => readFileSync(join(repoRoot(), path), 'utf8');
const documented = new Map(
  [...read('docs/metrics.md').matchAll(/^\| `([a-z_:][a-z0-9_:]*)` \| (\w+) \|/gm)].map((m) => [
    m[1]!,
    m[2]!,
  ]),
);

const PROMQL_WORDS = new Set([
  ...['sum', 'min', 'max', 'avg', 'count', 'topk', 'bottomk', 'quantile', 'stddev', 'group', 'count_values'],
  ...[
    'by',
    'without',
    'on',
    'ignoring',
    'group_left',
    'group_right',
    'and',
    'or',
    'unless',
    'bool',
    'offset',
  ],
  ...[
    'rate',
    'irate',
    'increase',
    'delta',
    'histogram_quantile',
    'time',
    'sort',
    'sort_desc',
    'abs',
    'vector',
  ],
  ...['label_replace', 'clamp_min', 'clamp_max', 'max_over_time', 'min_over_time', 'avg_over_time', 'scalar'],
]);

/**
 * The metric names a PromQL expression reads: strings, label matchers, label lists of by/on/…, range
 * selectors and Grafana variables are removed first; what is left that is not PromQL is a metric.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\$\w+/g, '');
  const names = [...bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]);
  return [...new Set(names.filter((n) => !PROMQL_WORDS.has(n) && !/^(e|inf|nan)$/i.test(n)))];
}

/** A histogram's _bucket/_sum/_count series stand for the documented histogram. */
function isDocumented(name: string): boolean {
  if (documented.has(name)) return true;
  const base = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
  return base !== undefined && documented.get(base) === 'histogram';
}

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string; refId: string }[];
  gridPos: { h: number; w: number; x: number; y: number };
}
const dashboard = JSON.parse(read('contrib/grafana/tend-fleet.json')) as {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; query: { query: string } }[] };
};
const exprs = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
);

test('the metric-name reader finds metrics, not functions, labels or variables', () => {
  assert.deepEqual(
    metricNames(
      'histogram_quantile(0.95, sum by (le, instance) (rate(foo_seconds_bucket{a="b c"}[$__rate_interval]))) and on (instance) tend_info{host=~"$host"}',
    ),
    ['foo_seconds_bucket', 'tend_info'],
  );
  assert.deepEqual(metricNames('sort((tend_x - time()) / 86400)'), ['tend_x']);
  assert.equal(isDocumented('tend_reconcile_duration_seconds_bucket'), true);
  assert.equal(isDocumented('tend_resources_bucket'), false, 'only a histogram has buckets');
  assert.equal(isDocumented('tend_not_a_series'), false);
});

test('contrib Grafana dashboard: every PromQL metric it uses is documented in docs/metrics.md', () => {
  assert.ok(exprs.length >= 10);
  for (const { panel, expr } of exprs) {
    const names = metricNames(expr);
    assert.ok(names.length > 0, `${panel}: ${expr} reads no metric`);
    for (const name of names)
      assert.ok(isDocumented(name), `${panel} reads ${name}, which docs/metrics.md does not list`);
  }
  const variable = dashboard.templating.list.find((v) => v.name === 'host');
  assert.equal(variable?.query.query, 'label_values(tend_info, host)');
});

test('contrib Grafana dashboard: the fleet series the issue names each have a panel', () => {
  const used = new Set(exprs.flatMap(({ expr }) => metricNames(expr)));
  for (const name of [
    'tend_info',
    'tend_resources',
    'tend_resource_info',
    'tend_source_ready',
    'tend_reconcile_duration_seconds_bucket',
    'tend_certificate_expiry_timestamp_seconds',
    'tend_fpm_active_processes',
    'tend_fpm_listen_queue',
  ])
    assert.ok(used.has(name), `the dashboard shows ${name}`);
  assert.equal(dashboard.uid, 'tend-fleet');
  const places = new Set(dashboard.panels.map((p) => JSON.stringify(p.gridPos)));
  assert.equal(places.size, dashboard.panels.length, 'no two panels share a place');
});

test('contrib Grafana dashboard: promtool parses every expression', (t) => {
  if (spawnSync('promtool', ['--version']).error) {
    t.skip('promtool is not installed (Debian package prometheus; .ci/run installs it)');
    return;
  }
  // Each expression as a recording rule, Grafana's variables given values, so promtool parses it.
  const rules = exprs.map(({ expr }, i) => ({
    record: `tend_dashboard:expr${i}`,
    expr: expr.replaceAll('$__rate_interval', '5m').replaceAll('$host', '.*'),
  }));
  const dir = mkdtempSync(join(tmpdir(), 'tend-grafana-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'rules.yml');
  writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
  const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `promtool check rules:\n${r.stdout}${r.stderr}`);
});
