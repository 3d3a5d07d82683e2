// Metrics never lie (issue 14 item 6), on the real controller with a real supervised Program: read
// /metrics before, during and after 600 passes driven through POST /v1/reconcile; counters only
// go up, the histogram's _count grows by exactly the passes run and no bucket ever falls; every
// served family is documented in docs/metrics.md (and nothing documented is missing); no pid or
// path ever becomes a label.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildServer } from '../../src/api/server.js';
import { controllerApiDeps } from '../../src/controller/api-deps.js';
import { idleProgramDir, liveController } from '../helpers/controller-env.js';
import { tempDir } from '../helpers/tmp.js';

const TOKEN = 'test-token-0123456789abcdef';
const PASSES = 600;

interface Scrape {
  types: Map<string, string>;
  /** Series (name + label text) → value. */
  values: Map<string, number>;
  /** Family → label names seen on its samples. */
  labels: Map<string, Set<string>>;
  text: string;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function parse(text: string): Scrape {
  const types = new Map<string, string>();
  const values = new Map<string, number>();
  const labels = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP')) continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    const m = LINE.exec(line);
    assert.ok(m, `line does not parse: ${JSON.stringify(line)}`);
    const name = m[1]!;
    const family = [...types.keys()].find(
      (f) =>
        name === f ||
        (types.get(f) === 'histogram' &&
          /^_(bucket|sum|count)$/.test(name.slice(f.length)) &&
          name.startsWith(f)),
    );
    assert.ok(family, `sample ${name} has no # TYPE`);
    const set = labels.get(family) ?? new Set<string>();
    for (const [, k] of (m[2] ?? '').matchAll(LABEL)) if (k !== 'le') set.add(k!);
    labels.set(family, set);
    values.set(name + (m[2] ?? ''), Number(m[3]!.replace('+Inf', 'Infinity').replace(/^Nan$/, 'NaN')));
  }
  return { types, values, labels, text };
}

/** docs/metrics.md's tables: `| \`name\` | type | \`label\`, … or — | meaning |`. */
function documented(): Map<string, { type: string; labels: Set<string> }> {
  const doc = readFileSync(join(process.cwd(), 'docs/metrics.md'), 'utf8');
  const rows = new Map<string, { type: string; labels: Set<string> }>();
  for (const line of doc.split('\n')) {
    const m = /^\| `([a-z_:][a-z0-9_:]*)` \| (\w+) \| ([^|]*) \|/.exec(line);
    if (!m) continue;
    const labels = new Set([...m[3]!.matchAll(/`([a-z_]+)`/g)].map((x) => x[1]!));
    rows.set(m[1]!, { type: m[2]!, labels });
  }
  return rows;
}

test(
  `metrics before and after ${PASSES} passes: counters only go up, the histogram counts every pass`,
  { timeout: 900_000 },
  async (t) => {
    const base = tempDir(t, 'tend-e2e-metrics-');
    // The Program runs as nobody: its script must be reachable.
    chmodSync(base, 0o755);
    // No resync during the run: every pass is one this test asked for.
    const { controller, opts } = await liveController(t, base, idleProgramDir(base), 3_600_000);
    const app = buildServer(controllerApiDeps({ controller, opts, isReady: () => true }), { token: TOKEN });
    t.after(() => app.close());
    await controller.start();
    const scrape = async () => {
      const res = await app.inject('/metrics');
      assert.equal(res.statusCode, 200);
      return parse(res.body);
    };
    const reconcileAll = async () => {
      const r = await app.inject({
        method: 'POST',
        url: '/v1/reconcile',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().ok, true, r.body);
    };
    // Until the Program is observed running, so the gauges below have something to show.
    for (let i = 0; i < 100 && opts.store.get('Program/idle')?.phase !== 'Ready'; i += 1) {
      await new Promise((r) => setTimeout(r, 200));
      await reconcileAll();
    }
    assert.equal(opts.store.get('Program/idle')?.phase, 'Ready');
    const restarts = opts.store.get('Program/idle')?.health;

    /** Until no pass runs or waits (a Program's flip also queues one), so a read sees whole passes. */
    const settled = async () => {
      for (let calm = 0, seen = -1; calm < 3;) {
        await new Promise((r) => setTimeout(r, 100));
        const busy = controller.queue.depth + controller.queue.running > 0 || controller.passes !== seen;
        seen = controller.passes;
        calm = busy ? 0 : calm + 1;
      }
    };
    await settled();
    const first = await scrape();
    const passesBefore = controller.passes;
    let previous = first;
    const started = Date.now();
    for (let i = 1; i <= PASSES; i += 1) {
      await reconcileAll();
      if (i % 100 !== 0) continue;
      const now = await scrape();
      // Between any two reads: no counter, bucket, _sum or _count falls.
      for (const [series, before] of previous.values) {
        const family = series.replace(/\{.*$/, '').replace(/_(bucket|sum|count)$/, '');
        const type = previous.types.get(series.replace(/\{.*$/, '')) ?? previous.types.get(family);
        if (type !== 'counter' && type !== 'histogram') continue;
        const after = now.values.get(series);
        if (after === undefined) continue; // a Program that left; not expected here
        assert.ok(after >= before, `${series} fell from ${before} to ${after} after ${i} passes`);
      }
      previous = now;
    }
    const elapsed = Date.now() - started;
    await settled();
    const last = await scrape();
    const ran = controller.passes - passesBefore;
    assert.ok(ran >= PASSES, `${ran} passes ran`);
    const v = (s: Scrape, series: string) => s.values.get(series) ?? Number.NaN;
    assert.equal(
      v(last, 'tend_reconcile_duration_seconds_count') - v(first, 'tend_reconcile_duration_seconds_count'),
      ran,
      'the histogram _count grows by exactly the passes run (no rolling window)',
    );
    assert.equal(
      v(last, 'tend_reconcile_passes_total{result="success"}') -
        v(first, 'tend_reconcile_passes_total{result="success"}'),
      ran,
    );
    assert.equal(
      v(last, 'tend_reconcile_duration_seconds_bucket{le="+Inf"}'),
      v(last, 'tend_reconcile_duration_seconds_count'),
    );
    // Buckets are cumulative within one read.
    const buckets = [...last.values].filter(([k]) => k.startsWith('tend_reconcile_duration_seconds_bucket'));
    for (let i = 1; i < buckets.length; i += 1)
      assert.ok(buckets[i]![1] >= buckets[i - 1]![1], `${buckets[i]![0]} below ${buckets[i - 1]![0]}`);

    // Probe state is a gauge; the resource is described by tend_resource_info.
    assert.equal(last.types.get('tend_probe_success'), 'gauge');
    assert.equal(last.types.get('tend_probe_results_total'), undefined, 'the 0/1 "counter" is gone');
    assert.match(
      last.text,
      /^tend_resource_info\{kind="Program",name="idle",phase="Ready",revision="[^"]*"\} 1$/m,
    );
    assert.equal(
      opts.store.get('Program/idle')?.phase,
      'Ready',
      JSON.stringify(opts.store.get('Program/idle')),
    );
    assert.match(last.text, /^tend_program_restarts_total\{program="idle"\} 0$/m, JSON.stringify(restarts));
    assert.match(last.text, /^tend_probe_success\{kind="Program",name="idle"\} 1$/m);
    assert.match(last.text, /^tend_resources\{kind="Program",phase="Ready"\} 1$/m);
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'process_open_fds',
      'nodejs_eventloop_lag_seconds',
    ])
      assert.ok(last.types.has(name), `${name} is served`);
    assert.ok(v(last, 'process_open_fds') > 0);

    // Bounded labels: no pid, no path, anywhere.
    const pid = String(opts.store.get('Program/idle')?.outputs.pids ?? '');
    assert.match(pid, /^\d+$/, 'the Program has a pid in its status');
    for (const [family, names] of last.labels)
      for (const name of names) assert.ok(!/pid|path|file|dir/.test(name), `${family} has label ${name}`);
    for (const [, value] of last.text.matchAll(LABEL)) {
      assert.ok(!value!.startsWith('/'), `a path as a label value: ${value}`);
      assert.notEqual(value, pid, 'a pid as a label value');
    }

    // docs/metrics.md lists exactly what is served, with its type and labels.
    const docs = documented();
    for (const [family, type] of last.types) {
      const row = docs.get(family);
      assert.ok(row, `${family} is served but not documented in docs/metrics.md`);
      assert.equal(row.type, type, `${family}: documented as ${row.type}, served as ${type}`);
      for (const label of last.labels.get(family) ?? [])
        assert.ok(row.labels.has(label), `${family}: label ${label} not documented`);
    }
    for (const family of docs.keys())
      assert.ok(last.types.has(family), `${family} is documented but not served`);
    t.diagnostic(`${ran} passes through POST /v1/reconcile in ${elapsed} ms`);
  },
);
