// /metrics: every line parses as Prometheus text format 0.0.4, with HELP/TYPE and escaped labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_LOOP_SAMPLE_MS, TendMetrics } from '../../../src/api/metrics.js';
import { buildServer } from '../../../src/api/server.js';
import { FakeDeps } from './fake-deps.js';

const SAMPLE =
  /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.e+-]+|NaN|Nan|[+-]Inf)$/;
// prom-client writes NaN as "Nan" (a fresh event-loop histogram); Prometheus parses floats case-insensitively.

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
    samples.push({
      name: m[1]!,
      labels: m[2] ?? '',
      value: Number(m[3]!.replace('+Inf', 'Infinity').replace('Nan', 'NaN')),
    });
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
    tend_reconcile_passes_total: 'counter',
    tend_queue_depth: 'gauge',
    tend_resources: 'gauge',
    tend_resource_info: 'gauge',
    tend_probe_success: 'gauge',
    tend_program_restarts_total: 'counter',
    tend_info: 'gauge',
    tend_source_ready: 'gauge',
  });
  for (const name of types.keys()) assert.ok(helps.has(name), `HELP for ${name}`);
  const value = (name: string, labels = '') =>
    samples.find((s) => s.name === name && s.labels === labels)?.value;
  assert.equal(value('tend_queue_depth'), 3);
  assert.equal(value('tend_resources', '{kind="Program",phase="Failed"}'), 1);
  assert.equal(value('tend_resources', '{kind="Pool",phase="Ready"}'), 0);
  assert.equal(value('tend_program_restarts_total', '{program="worker"}'), 5);
  assert.equal(value('tend_resource_info', '{kind="Site",name="shop",phase="Ready",revision="abc123"}'), 1);
  assert.equal(value('tend_resource_info', '{kind="Program",name="worker",phase="Failed",revision=""}'), 1);
  assert.equal(value('tend_probe_success', '{kind="Site",name="shop"}'), 1);
  assert.equal(value('tend_probe_success', '{kind="Site",name="we\\"ird\\\\name\\n"}'), 0);
  assert.equal(
    value('tend_probe_success', '{kind="Program",name="worker"}'),
    undefined,
    'not probed: absent',
  );
  assert.equal(value('tend_reconcile_duration_seconds_bucket', '{le="0.05"}'), 1);
  assert.equal(value('tend_reconcile_duration_seconds_bucket', '{le="0.5"}'), 2);
  assert.equal(value('tend_reconcile_duration_seconds_bucket', '{le="+Inf"}'), 3);
  assert.equal(value('tend_reconcile_duration_seconds_count'), 3);
  assert.equal(value('tend_reconcile_passes_total', '{result="success"}'), 3);
  assert.equal(value('tend_reconcile_passes_total', '{result="failure"}'), 0);
  assert.ok(Math.abs(value('tend_reconcile_duration_seconds_sum')! - 4.32) < 1e-9);
});

test('the histogram is cumulative: more passes than any window, count and buckets never fall', async () => {
  const m = new TendMetrics({ processMetrics: false });
  const read = async () => {
    const { samples } = parse(await m.exposition());
    return new Map(samples.map((s) => [s.name + s.labels, s.value]));
  };
  let before = await read();
  for (let round = 1; round <= 3; round += 1) {
    // 700 passes per round: beyond the 500-sample window the old exposition was rebuilt from.
    for (let i = 0; i < 700; i += 1) m.observePass(i % 2 === 0 ? 0.01 : 7, true);
    const after = await read();
    assert.equal(after.get('tend_reconcile_duration_seconds_count'), round * 700);
    for (const [series, v] of before)
      if (series.startsWith('tend_reconcile_')) assert.ok(after.get(series)! >= v, `${series} fell`);
    assert.equal(after.get('tend_reconcile_duration_seconds_bucket{le="0.05"}'), round * 350);
    before = after;
  }
});

test('program restarts only go up; a Program that is gone leaves, a re-created one starts afresh', async () => {
  const m = new TendMetrics({ processMetrics: false });
  let restarts: Record<string, number> = { web: 2 };
  m.readFrom(() => ({ queueDepth: 0, resources: [], programRestarts: restarts }));
  const restartsOf = async (program: string) =>
    parse(await m.exposition()).samples.find(
      (s) => s.name === 'tend_program_restarts_total' && s.labels === `{program="${program}"}`,
    )?.value;
  assert.equal(await restartsOf('web'), 2);
  restarts = { web: 5 };
  assert.equal(await restartsOf('web'), 5);
  // The supervisor's own count restarted (re-created Program): the counter adds, never falls.
  restarts = { web: 1 };
  assert.equal(await restartsOf('web'), 6);
  restarts = {};
  assert.equal(await restartsOf('web'), undefined);
});

test('a deleted resource leaves tend_resource_info and tend_probe_success', async () => {
  const deps = new FakeDeps();
  const app = buildServer(deps);
  const before = (await app.inject('/metrics')).body;
  assert.match(before, /^tend_resource_info\{kind="Site",name="shop",/m);
  deps.metricsState = {
    ...deps.metricsState,
    resources: deps.metricsState.resources.filter((r) => r.name !== 'shop'),
  };
  const after = (await app.inject('/metrics')).body;
  assert.doesNotMatch(after, /name="shop"/);
  assert.match(after, /^tend_resources\{kind="Site",phase="Ready"\} 0$/m);
  await app.close();
});

test('process metrics are there by default', async () => {
  const text = await new TendMetrics().exposition();
  for (const name of [
    'process_cpu_seconds_total',
    'process_resident_memory_bytes',
    'process_open_fds',
    'nodejs_eventloop_lag_seconds',
  ])
    assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'));
  parse(text);
});

test('tend_info carries the host name and revision, one series at a time; tend_source_ready follows the source', async () => {
  const { hostInfo } = await import('../../../src/controller/metrics-state.js');
  // The two sources told apart by a label, so "not known yet" is absent rather than 0.
  const { TendError } = await import('../../../src/errors/catalogue.js');
  type Ctl = Parameters<typeof hostInfo>[0];
  const m = new TendMetrics({ processMetrics: false });
  let report: unknown;
  let git = false;
  const ctl = {
    get lastReport() {
      return report;
    },
  } as unknown as Ctl;
  m.readInfoFrom(() => hostInfo(ctl, 'web1', git ? () => false : undefined));
  const samples = async () =>
    parse(await m.exposition()).samples.filter((s) => /^tend_(info|source_ready)$/.test(s.name));
  // Before the first pass: the name, no revision, the source not known yet.
  assert.deepEqual(await samples(), [{ name: 'tend_info', labels: '{host="web1",revision=""}', value: 1 }]);
  report = { result: { computed: { git: { commit: 'c1' } } } };
  assert.deepEqual(await samples(), [
    { name: 'tend_info', labels: '{host="web1",revision="c1"}', value: 1 },
    { name: 'tend_source_ready', labels: '{source="directory"}', value: 1 },
  ]);
  // A new revision replaces the series (never two revisions for one host), and an unreadable tree is 0.
  report = { error: new TendError('TEND_ERR_SOURCE_UNREADABLE', 'gone') };
  assert.deepEqual(await samples(), [
    { name: 'tend_info', labels: '{host="web1",revision=""}', value: 1 },
    { name: 'tend_source_ready', labels: '{source="directory"}', value: 0 },
  ]);
  report = { result: { computed: { git: { commit: 'c2' } } } };
  // A git source whose SourceReady is False (a failed fetch).
  git = true;
  assert.deepEqual(await samples(), [
    { name: 'tend_info', labels: '{host="web1",revision="c2"}', value: 1 },
    { name: 'tend_source_ready', labels: '{source="git"}', value: 0 },
  ]);
});

test("the event-loop lag histogram samples every 500 ms, not prom-client's 10 ms (each sample wakes an idle daemon)", async () => {
  const perfHooks = (await import('node:perf_hooks')).default;
  const original = perfHooks.monitorEventLoopDelay;
  const resolutions: (number | undefined)[] = [];
  perfHooks.monitorEventLoopDelay = (options) => {
    resolutions.push(options?.resolution);
    return original(options);
  };
  try {
    const text = await new TendMetrics().exposition();
    assert.match(text, /^# TYPE nodejs_eventloop_lag_p99_seconds /m);
  } finally {
    perfHooks.monitorEventLoopDelay = original;
  }
  assert.deepEqual(resolutions, [EVENT_LOOP_SAMPLE_MS]);
  assert.ok(EVENT_LOOP_SAMPLE_MS >= 500);
});
