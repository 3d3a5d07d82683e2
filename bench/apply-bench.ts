// Benchmark: `tend reconcile` on real nginx and php-fpm 8.2 with 1,000 Sites + 1,000 Pools. Cold
// converge until every site answers, one Site changed until the change is served, and the floor
// (nginx -t, a verified HUP reload, php-fpm -t run directly on the same generated config).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { embeddedLayout } from '../src/layout/layout.js';
import {
  BIN,
  childrenOf,
  collect,
  freePort,
  httpGet,
  killMasters,
  mastersFor,
  phpPairYaml,
} from '../test/helpers/e2e.js';

const PHP = '8.2';

const pairYaml = (i: number, www: string, version = 0) =>
  phpPairYaml({
    pool: `p${i}`,
    site: `s${i}`,
    domain: `s${i}.bench.test`,
    root: www,
    maxChildren: 2,
    siteSpec: `  headers: { X-Site: s${i}, X-Version: v${version} }\n  health: { path: /ok.txt }\n`,
  });

async function mapBounded<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/**
 * Polls every site until each has answered 200 from its own server block (X-Site), not the default
 * one; a site that answered is not asked again.
 */
async function waitAllAnswer(port: number, n: number, deadlineMs = 120_000): Promise<void> {
  let pending = Array.from({ length: n }, (_, i) => i);
  const deadline = performance.now() + deadlineMs;
  while (pending.length > 0) {
    const failed: number[] = [];
    await mapBounded(pending, 32, async (i) => {
      const r = await httpGet(port, `s${i}.bench.test`, '/ok.txt').catch(() => undefined);
      if (r?.status !== 200 || r.headers['x-site'] !== `s${i}`) failed.push(i);
    });
    pending = failed;
    if (pending.length > 0 && performance.now() > deadline)
      throw new Error(`bench: ${pending.length} sites never answered (first: s${pending[0]})`);
    // A short gap between rounds, so the polling does not take a core from the converge it measures.
    if (pending.length > 0) await new Promise((r) => setTimeout(r, 50));
  }
}

const ms = (x: number) => `${x.toFixed(0)} ms`;
const timedSync = (file: string, args: string[]) => {
  const t0 = performance.now();
  const r = spawnSync(file, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench: ${file} ${args.join(' ')} failed: ${r.stderr}`);
  return performance.now() - t0;
};

/** The reload floor: HUP the master, then wait until new workers run and the old ones are gone. */
async function hupReload(master: number): Promise<number> {
  const before = childrenOf(master);
  const t0 = performance.now();
  process.kill(master, 'SIGHUP');
  for (;;) {
    const now = childrenOf(master);
    if (now.some((p) => !before.includes(p)) && before.every((p) => !now.includes(p)))
      return performance.now() - t0;
    if (performance.now() - t0 > 30_000) throw new Error('bench: no new nginx workers after HUP');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function benchApply(n = Number(process.env.TEND_BENCH_N ?? 1000)): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'tend-apply-bench-'));
  chmodSync(base, 0o755);
  const ds = join(base, 'ds');
  const www = join(base, 'www');
  const root = join(base, 'root');
  mkdirSync(ds);
  mkdirSync(www);
  writeFileSync(join(www, 'ok.txt'), 'ok\n');
  writeFileSync(join(www, 'index.php'), '<?php echo "bench\\n";\n');
  const port = await freePort();
  const layout = embeddedLayout(root, { httpPort: port });
  const reconcile = () =>
    spawn(
      process.execPath,
      [BIN, 'reconcile', '-d', ds, '--root', root, '--http-port', String(port), '--web-base', base],
      {
        stdio: 'pipe',
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
  try {
    for (let i = 0; i < n; i++) writeFileSync(join(ds, `pair-${i}.yaml`), pairYaml(i, www));

    // Sites are polled while tend works: the host has converged when every site answers, which is
    // before tend exits (it then probes all 2,000 resources for status).
    let t0 = performance.now();
    const coldRun = collect(reconcile()).then((r) => ({ ...r, at: performance.now() - t0 }));
    const failed = coldRun.then((r) =>
      r.code === 0
        ? new Promise<never>(() => {})
        : Promise.reject(
            new Error(`bench: cold reconcile exited ${r.code}: ${r.stderr}${r.stdout.slice(-2000)}`),
          ),
    );
    await Promise.race([waitAllAnswer(port, n), failed]);
    const coldTotal = performance.now() - t0;
    const cold = await coldRun;
    const coldExit = cold.at;

    t0 = performance.now();
    const noop = await collect(reconcile());
    const noopMs = performance.now() - t0;
    if (!/0 changes applied/.test(noop.stdout)) throw new Error('bench: the second pass changed something');

    const target = Math.floor(n / 2);
    writeFileSync(join(ds, `pair-${target}.yaml`), pairYaml(target, www, 1));
    t0 = performance.now();
    const exited = collect(reconcile());
    for (;;) {
      const r = await httpGet(port, `s${target}.bench.test`, '/ok.txt').catch(() => undefined);
      if (r?.headers['x-version'] === 'v1') break;
      await new Promise((res) => setTimeout(res, 5));
    }
    const served = performance.now() - t0;
    const change = await exited;
    const changeExit = performance.now() - t0;
    if (change.code !== 0) throw new Error(`bench: the one-site reconcile exited ${change.code}`);

    const nginxConf = ['-p', layout.nginx.prefix, '-c', layout.nginx.mainConfig];
    const nginxTest = timedSync('/usr/sbin/nginx', ['-t', ...nginxConf]);
    const phpArgs = ['-t', '-p', join(root, 'php', PHP), '-y', layout.php.mainConfig(PHP)];
    const phpTest = timedSync(layout.php.binary(PHP), phpArgs);
    const [master] = mastersFor(root).nginx;
    if (master === undefined) throw new Error('bench: no nginx master');
    const reload = await hupReload(master);
    const floor = nginxTest + reload + phpTest;

    console.log(`apply, ${n} Sites + ${n} Pools (ondemand, maxChildren 2) on nginx and php-fpm ${PHP}:`);
    console.log(
      `  cold converge: until every site answers ${ms(coldTotal)}; tend reconcile exits (status probed) after ${ms(coldExit)}; ` +
        `second pass (no changes) ${ms(noopMs)}`,
    );
    console.log(
      `  one Site changed: served after ${ms(served)} (tend reconcile exits after ${ms(changeExit)})`,
    );
    console.log(
      `  floor: nginx -t ${ms(nginxTest)} + HUP reload to new workers ${ms(reload)} + php-fpm -t ${ms(phpTest)} = ${ms(floor)}`,
    );
    console.log(
      `  cold converge / floor = ${(coldTotal / floor).toFixed(1)}x (target <= 3x); ` +
        `one-site change ${ms(served)} (target < 500 ms)`,
    );
  } finally {
    await killMasters(base);
    rmSync(base, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchApply();
