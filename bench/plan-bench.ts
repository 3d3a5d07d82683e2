// Benchmark: a whole `tend reconcile --plan` process on 1,000 Sites + 1,000 Pools + 100 Programs,
// all in sync (files and inventory in place). Target: at most 1 s wall time on a 2-core machine.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LOAD_CACHE_FILE } from '../src/pipeline/compute-plan.js';
import { embeddedLayout } from '../src/layout/layout.js';
import { simulateApply } from './support/sim-apply.js';

export const PLAN_BENCH = { sites: 1000, pools: 1000, programs: 100, runs: 5, targetMs: 1000 } as const;

const pool = (i: number) => `apiVersion: tend/v1
kind: Pool
metadata: { name: app${i} }
spec:
  php: "8.2"
  pm: { type: ondemand, maxChildren: 4 }
  env:
    APP_ENV: production
    DB_PASSWORD: { value: secret-${i}, secret: true }
`;
const site = (i: number) => `apiVersion: tend/v1
kind: Site
metadata: { name: app${i}, labels: { team: web } }
spec:
  domains: [app${i}.example.test, www.app${i}.example.test]
  preset: php
  root: /var/www/app${i}/public
  php: { pool: app${i} }
`;
const program = (i: number) => `apiVersion: tend/v1
kind: Program
metadata: { name: worker${i} }
spec:
  command: [php, artisan, queue:work, --queue=q${i}]
  directory: /var/www/app${i}
  restart: always
`;

/** One file per app (Pool + Site), one file of Programs: how an operator would lay it out. */
export function writeDesiredState(dir: string): void {
  mkdirSync(join(dir, 'apps'), { recursive: true });
  for (let i = 0; i < PLAN_BENCH.sites; i++)
    writeFileSync(join(dir, 'apps', `app${i}.yaml`), `${pool(i)}---\n${site(i)}`);
  writeFileSync(
    join(dir, 'workers.yaml'),
    Array.from({ length: PLAN_BENCH.programs }, (_, i) => program(i)).join('---\n'),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchPlan(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'tend-bench-plan-'));
  try {
    const ds = join(base, 'desired-state');
    writeDesiredState(ds);
    const layout = embeddedLayout(join(base, '.tend'));
    const setup = performance.now();
    await simulateApply(ds, layout);
    console.log(
      `plan: set up ${PLAN_BENCH.sites + PLAN_BENCH.pools + PLAN_BENCH.programs} resources in ${Math.round(performance.now() - setup)} ms`,
    );

    const bin = resolve(process.env.TEND_BIN ?? 'bin/tend');
    const cachePath = join(layout.stateDir, LOAD_CACHE_FILE);
    const planOnce = () => {
      const start = performance.now();
      const r = spawnSync(process.execPath, [bin, 'reconcile', '--plan'], { cwd: base, encoding: 'utf8' });
      const ms = performance.now() - start;
      assert.equal(
        r.status,
        0,
        `tend reconcile --plan exited ${r.status}: ${r.stderr}${r.stdout.slice(0, 2000)}`,
      );
      assert.equal(r.stdout, 'No changes. The host matches the desired state.\n');
      return ms;
    };
    // Cold: every file parsed and validated (no load cache, as after an upgrade of tend).
    const cold: number[] = [];
    for (let run = 0; run < PLAN_BENCH.runs; run++) {
      rmSync(cachePath, { force: true });
      cold.push(planOnce());
    }
    // Warm: the steady state of a GitOps host, files unchanged since the last pass.
    const warm = Array.from({ length: PLAN_BENCH.runs }, planOnce);
    const line = (label: string, times: number[]) => {
      const med = median(times);
      const verdict = med <= PLAN_BENCH.targetMs ? 'ok' : 'SLOWER THAN TARGET';
      console.log(
        `plan: tend reconcile --plan, 2,100 resources in sync, ${label}: min ${Math.round(Math.min(...times))} ms, ` +
          `median ${Math.round(med)} ms over ${PLAN_BENCH.runs} runs (target ≤ ${PLAN_BENCH.targetMs} ms: ${verdict})`,
      );
    };
    line('warm load cache', warm);
    line('cold (no load cache)', cold);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
