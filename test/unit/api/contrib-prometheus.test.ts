// contrib/prometheus: the example alert rules and scrape config parse, every alert the fleet issue asks
// for is there, and every series they use is one tend serves (documented in docs/metrics.md, which
// test/e2e/truth-metrics.test.ts checks against a live /metrics). promtool checks them when installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../helpers/paths.js';

const dir = join(repoRoot(), 'contrib', 'prometheus');
const read = (file: string) => readFileSync(join(dir, file), 'utf8');
const documented = new Set(
  [...read('../../docs/metrics.md').matchAll(/^\| `([a-z_:][a-z0-9_:]*)` \|/gm)].map((m) => m[1]!),
);

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

test('contrib alert rules: each one the issue asks for, on documented series only', () => {
  const rules = (parse(read('tend-alerts.yml')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
    (g) => g.rules,
  );
  assert.deepEqual(rules.map((r) => r.alert).sort(), [
    'TendCertificateExpiringSoon',
    'TendHostLaggingFleet',
    'TendPoolSaturated',
    'TendProgramCrashLooping',
    'TendSiteNotReady',
    'TendSourceFailing',
  ]);
  for (const r of rules) {
    assert.match(r.for, /^\d+[smh]$/, `${r.alert}: for`);
    assert.ok(r.labels.severity, `${r.alert}: severity`);
    assert.ok(r.annotations.summary, `${r.alert}: summary`);
    const series = [...r.expr.matchAll(/\b(tend_[a-z0-9_]+)/g)].map((m) => m[1]!);
    assert.ok(series.length > 0, `${r.alert} uses a tend series`);
    for (const s of series) assert.ok(documented.has(s), `${r.alert} uses ${s}, which tend does not serve`);
  }
  const byName = new Map(rules.map((r) => [r.alert, r]));
  assert.equal(byName.get('TendSiteNotReady')!.for, '5m', 'a Site not Ready for 5 minutes');
});

test('contrib scrape config: the tend job reads /metrics with the API token from a file', () => {
  const cfg = parse(read('tend-scrape.yml')) as {
    rule_files: string[];
    scrape_configs: { job_name: string; metrics_path: string; authorization: { credentials_file: string } }[];
  };
  assert.deepEqual(cfg.rule_files, ['tend-alerts.yml']);
  const job = cfg.scrape_configs.find((j) => j.job_name === 'tend');
  assert.equal(job?.metrics_path, '/metrics');
  assert.match(job!.authorization.credentials_file, /^\//, 'the token comes from a file, never inline');
});

test('contrib rules and config pass promtool', (t) => {
  if (spawnSync('promtool', ['--version']).error) {
    t.skip('promtool is not installed (Debian package prometheus)');
    return;
  }
  for (const args of [
    ['check', 'rules', join(dir, 'tend-alerts.yml')],
    // --syntax-only: the example's token file does not exist here.
    ['check', 'config', '--syntax-only', join(dir, 'tend-scrape.yml')],
  ]) {
    const r = spawnSync('promtool', args, { encoding: 'utf8' });
    assert.equal(r.status, 0, `promtool ${args.join(' ')}:\n${r.stdout}${r.stderr}`);
  }
});
