// Benchmark of self-healing under traffic: `tend serve` with 20 PHP Sites and their Pools while a
// checker fetches every site in a loop; SIGKILL the nginx master (its workers live on), then the
// php-fpm master. Time to heal = from the kill until a new master of ours runs and a full round of
// every site succeeds after it (target < 5 s each), and the requests that failed meanwhile.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startChecker } from '../test/helpers/checker.js';
import { freePort, httpGet, killMasters, mastersFor, phpPairYaml } from '../test/helpers/e2e.js';
import { childrenOf } from '../test/helpers/procs.js';

const N = { sites: 20, rounds: 3 } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs: number): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await Promise.resolve(fn()).catch(() => undefined);
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchHeal(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'tend-bench-heal-'));
  chmodSync(base, 0o755);
  const ds = join(base, 'ds');
  const www = join(base, 'www');
  const root = join(base, 'root');
  mkdirSync(ds);
  const sites = Array.from({ length: N.sites }, (_, i) => `s${i}`);
  for (const n of sites) {
    mkdirSync(join(www, n), { recursive: true });
    writeFileSync(join(www, n, 'index.php'), `<?php echo "site-${n} " . (6 * 7) . "\\n";\n`);
    const yaml = phpPairYaml({
      pool: n,
      site: n,
      domain: `${n}.heal.test`,
      root: join(www, n),
      maxChildren: 2,
    });
    writeFileSync(join(ds, `${n}.yaml`), yaml);
  }
  const httpPort = await freePort();
  let apiPort = await freePort();
  while (apiPort === httpPort) apiPort = await freePort();
  const bin = resolve(process.env.TEND_BIN ?? 'bin/tend');
  const args = [
    'serve',
    '-d',
    ds,
    '--root',
    root,
    '--http-port',
    String(httpPort),
    '--listen',
    `127.0.0.1:${apiPort}`,
  ];
  const daemon = spawn(process.execPath, [bin, ...args], {
    stdio: ['ignore', process.env.TEND_BENCH_LOG ? 'inherit' : 'ignore', 'inherit'],
  });
  const orphans: number[] = [];
  const checker = startChecker(
    httpPort,
    sites.map((n) => ({ host: `${n}.heal.test`, marker: `site-${n} 42` })),
    20,
  );
  try {
    await until(
      'the first pass',
      async () => (await httpGet(apiPort, '127.0.0.1', '/readyz')).status === 200,
      300_000,
    );
    await checker.healthy(120_000);
    for (const service of ['nginx', 'php'] as const) {
      const heals: number[] = [];
      const failed: number[] = [];
      for (let round = 0; round < N.rounds; round++) {
        await sleep(2_000);
        const [master] = mastersFor(root)[service];
        if (master === undefined) throw new Error(`no ${service} master`);
        orphans.push(...childrenOf(master));
        const killedAt = Date.now();
        process.kill(master, 'SIGKILL');
        await until(
          `a new ${service} master`,
          () => {
            const now = mastersFor(root)[service];
            return now.length === 1 && now[0] !== master && childrenOf(now[0]!).length > 0;
          },
          60_000,
        );
        const servedAt = await checker.healthy(60_000, 1);
        heals.push(servedAt - killedAt);
        failed.push(checker.failuresSince(killedAt).filter((f) => f.at <= servedAt).length);
      }
      await sleep(1_000); // the daemon appends events behind its own back
      const restarted = readFileSync(join(root, 'state/events.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .filter((l) => l.includes('"MasterRestarted"'))
        .slice(-N.rounds)
        .map((l) => (JSON.parse(l) as { message: string }).message);
      for (const m of restarted) console.log(`heal:   event: ${m}`);
      const name = service === 'nginx' ? 'nginx' : 'php-fpm';
      const verdict = median(heals) < 5_000 ? 'ok' : 'SLOWER THAN TARGET';
      console.log(
        `heal: SIGKILL of the ${name} master under traffic (${N.sites} sites) → serving again: ` +
          `median ${median(heals)} ms, max ${Math.max(...heals)} ms over ${N.rounds} kills (target < 5 s: ${verdict}); ` +
          `failed requests per kill: ${failed.join(', ')}`,
      );
    }
    console.log(`heal: ${checker.requests} requests in all`);
  } finally {
    await checker.stop();
    if (daemon.exitCode === null && daemon.signalCode === null) {
      const exited = new Promise((r) => daemon.once('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    }
    await killMasters(base);
    for (const pid of orphans)
      try {
        if (readFileSync(`/proc/${pid}/stat`, 'utf8')) process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    rmSync(base, { recursive: true, force: true });
  }
}
