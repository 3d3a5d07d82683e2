// /metrics: every line parses as Prometheus text format 0.0.4, with HELP/TYPE and escaped labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeLabelValue, formatMetrics, toHistogram } from '../../../src/api/metrics.js';
import { buildServer } from '../../../src/api/server.js';
import { FakeDeps } from './fake-deps.js';

const SAMPLE =
  /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/;

function parse(text: string) {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Array<{ name: string; labels: string; value: number }> = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') types.set(meta[2]!, meta[3]!);
      else helps.add(meta[2]!);
      continue;
    }
    const m = SAMPLE.exec(line);
    assert.ok(m, `line does not parse: ${JSON.stringify(line)}`);
    samples.push({ name: m[1]!, labels: m[2] ?? '', value: Number(m[3]!.replace('+Inf', 'Infinity')) });
  }
  return { types, helps, samples };
}

test('GET /metrics serves the exposition format with every family typed', async (t) => {
  const app = buildServer(new FakeDeps());
  t.after(() => app.close());
  const res = await app.inject('/metrics');
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  const { types, helps, samples } = parse(res.body);
  assert.deepEqual(Object.fromEntries(types), {
    tend_reconcile_duration_seconds: 'histogram',
    tend_queue_depth: 'gauge',
    tend_resources: 'gauge',
    tend_program_restarts_total: 'counter',
    tend_probe_results_total: 'counter',
  });
  for (const name of types.keys()) assert.ok(helps.has(name), `HELP for ${name}`);
  const value = (name: string, labels = '') =>
    samples.find((s) => s.name === name && s.labels === labels)?.value;
  assert.equal(value('tend_queue_depth'), 3);
  assert.equal(value('tend_resources', '{kind="Program",phase="Failed"}'), 1);
  assert.equal(value('tend_resources', '{kind="Pool",phase="Ready"}'), 0);
  assert.equal(value('tend_program_restarts_total', '{program="worker"}'), 5);
  assert.equal(
    value('tend_probe_results_total', '{resource="Site/we\\"ird\\\\name\\n",result="failure"}'),
    1,
  );
  assert.equal(value('tend_reconcile_duration_seconds_bucket', '{le="0.05"}'), 1);
  assert.equal(value('tend_reconcile_duration_seconds_bucket', '{le="0.5"}'), 2);
  assert.equal(value('tend_reconcile_duration_seconds_bucket', '{le="+Inf"}'), 3);
  assert.equal(value('tend_reconcile_duration_seconds_count'), 3);
  assert.ok(Math.abs(value('tend_reconcile_duration_seconds_sum')! - 4.32) < 1e-9);
});

test('buckets are cumulative and a ready histogram passes through', () => {
  const h = toHistogram({ samples: [0.01, 0.2, 0.2, 7, Number.NaN] });
  const counts = h.buckets.map((b) => b.count);
  assert.deepEqual(
    counts,
    [...counts].sort((a, b) => a - b),
  );
  assert.equal(h.count, 4);
  const text = formatMetrics({
    reconcileDurationSeconds: { buckets: [{ le: 1, count: 2 }], sum: 1.5, count: 3 },
    queueDepth: 0,
    resourcesByPhase: [],
    programRestarts: {},
    probeResults: [],
  });
  assert.match(text, /^tend_reconcile_duration_seconds_bucket\{le="1"\} 2$/m);
  assert.match(text, /^tend_reconcile_duration_seconds_bucket\{le="\+Inf"\} 3$/m);
  parse(text);
});

test('label values escape backslash, quote and newline', () => {
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
});
