// Benchmark of `tend serve` at 1,000 Sites + 1,000 Pools + 100 Programs: file-save-to-served latency
// for a Site and a Program (target < 500 ms), idle CPU over 60 s (< 2% of a core), RSS (< 150 MB),
// and API latency of GET /v1/resources/:kind/:name.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort, killMasters, phpPairYaml } from '../test/helpers/e2e.js';
import { shebangFlags } from '../test/helpers/shebang.js';

// Nine edits of each: the first after start is the slowest (JIT warm-up, nginx's first HUP), so
// the median needs company.
const N = { sites: 1000, programs: 100, apiCalls: 300, idleMs: 60_000, edits: 9 } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const app = (i: number, docroot: string, extra = '') =>
  phpPairYaml({
    pool: `app${i}`,
    site: `app${i}`,
    domain: `app${i}.bench.test`,
    root: docroot,
    maxChildren: 2,
    siteSpec: `  health: { path: /health.txt, expectStatus: 200 }\n${extra}`,
  });
const program = (i: number, arg = '0') => `apiVersion: tend/v1
kind: Program
metadata: { name: worker${i} }
spec:
  command: [/bin/sleep, "100000${i}", "${arg}"]
  user: nobody
  startSeconds: 0
  stop: { timeout: 2s }
`;

function get(
  port: number,
  host: string,
  path: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: host }, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

async function until(
  what: string,
  fn: () => Promise<boolean> | boolean,
  timeoutMs: number,
  stepMs = 5,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve(fn()).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(stepMs);
  }
}

const cpuTicks = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .slice(readFileSync(`/proc/${pid}/stat`, 'utf8').lastIndexOf(')') + 2)
    .split(' ');
  return Number(f[11]) + Number(f[12]);
};
// VmRSS is resident now; VmHWM is the peak resident size since the process started.
const statusMb = (pid: number, field: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const rssMb = (pid: number) => statusMb(pid, 'VmRSS');
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

function pidsMentioning(needle: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Wall time of one `nginx -t` over the embedded root's live config, as tend runs it. */
function nginxTestMs(root: string): number {
  const prefix = join(root, 'nginx');
  const t0 = performance.now();
  const r = spawnSync('/usr/sbin/nginx', ['-t', '-q', '-p', prefix, '-c', join(prefix, 'nginx.conf')], {
    encoding: 'utf8',
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`nginx -t failed: ${r.stderr}`);
  return ms;
}

export async function benchServe(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'tend-bench-serve-'));
  // nginx's workers (www-data when tend runs as root) must traverse to the document root.
  chmodSync(base, 0o755);
  const ds = join(base, 'ds');
  const docroot = join(base, 'www');
  mkdirSync(join(ds, 'apps'), { recursive: true });
  mkdirSync(docroot);
  writeFileSync(join(docroot, 'health.txt'), 'ok\n');
  for (let i = 0; i < N.sites; i++) writeFileSync(join(ds, 'apps', `app${i}.yaml`), app(i, docroot));
  for (let i = 0; i < N.programs; i++) writeFileSync(join(ds, `worker${i}.yaml`), program(i));
  const httpPort = await freePort();
  let apiPort = await freePort();
  while (apiPort === httpPort) apiPort = await freePort();
  const bin = resolve(process.env.TEND_BIN ?? 'bin/tend');
  const args = [
    bin,
    'serve',
    '-d',
    ds,
    '--root',
    join(base, 'root'),
    '--http-port',
    String(httpPort),
    '--listen',
    `127.0.0.1:${apiPort}`,
    '--web-base',
    base,
    // TEND_BENCH_LOG=debug shows the daemon's debug lines too (pass steps, heap trims).
    ...(process.env.TEND_BENCH_LOG === 'debug' ? ['--log-level', 'debug'] : []),
  ];
  // The daemon runs as `tend serve` does: with the node flags of bin/tend's shebang line (this node
  // binary rather than the first on PATH). TEND_BENCH_NODE_FLAGS adds flags to try without editing
  // bin/tend; TEND_BENCH_HEAPSNAP=dir writes a heap snapshot there after the first pass (what the
  // daemon retains).
  const nodeFlags = [
    ...shebangFlags(bin),
    ...(process.env.TEND_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
  ];
  console.log(`serve: node flags ${nodeFlags.join(' ') || '(none)'}`);
  const snapDir = process.env.TEND_BENCH_HEAPSNAP;
  if (snapDir) nodeFlags.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapDir}`);
  const daemon = spawn(process.execPath, [...nodeFlags, ...args], {
    stdio: ['ignore', process.env.TEND_BENCH_LOG ? 'inherit' : 'ignore', 'inherit'],
  });
  try {
    const t0 = performance.now();
    await until(
      'the first pass',
      async () => (await get(apiPort, '127.0.0.1', '/readyz')).status === 200,
      600_000,
      200,
    );
    console.log(
      `serve: first pass over ${N.sites * 2 + N.programs} resources took ${Math.round(performance.now() - t0)} ms`,
    );
    const peakFirst = statusMb(daemon.pid!, 'VmHWM');
    await sleep(5_000);
    const rssFirst = rssMb(daemon.pid!);
    console.log(
      `serve: RSS 5 s after the first pass ${rssFirst.toFixed(0)} MB (target < 150 MB: ${rssFirst < 150 ? 'ok' : 'OVER TARGET'}); peak during it ${peakFirst.toFixed(0)} MB (target < 250 MB: ${peakFirst < 250 ? 'ok' : 'OVER TARGET'}); load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    if (snapDir) {
      process.kill(daemon.pid!, 'SIGUSR2');
      await until(
        'the heap snapshot',
        () => readdirSync(snapDir).some((f) => f.endsWith('.heapsnapshot')),
        300_000,
        1_000,
      );
      await sleep(20_000);
    }
    // TEND_BENCH_FIRST_PASS_ONLY=1 stops here: the memory figures without the edit and idle runs.
    if (process.env.TEND_BENCH_FIRST_PASS_ONLY) return;

    const siteTimes: number[] = [];
    // The yardstick: a full `nginx -t` over the same config, once after each edit (the machine's
    // load swings within a run, so each edit gets a check at about its own load).
    const nginxTimes: number[] = [];
    for (let run = 1; run <= N.edits; run++) {
      const start = performance.now();
      writeFileSync(join(ds, 'apps', 'app7.yaml'), app(7, docroot, `  headers: { X-Run: "r${run}" }\n`));
      await until(
        'the edited header',
        async () => (await get(httpPort, 'app7.bench.test', '/health.txt')).headers['x-run'] === `r${run}`,
        60_000,
      );
      siteTimes.push(performance.now() - start);
      await sleep(1_500);
      nginxTimes.push(nginxTestMs(join(base, 'root')));
    }
    const nginxT = pct(nginxTimes, 0.5);
    const progTimes: number[] = [];
    for (let run = 1; run <= N.edits; run++) {
      const start = performance.now();
      writeFileSync(join(ds, 'worker3.yaml'), program(3, String(run)));
      await until('the new worker3 process', () => pidsMentioning(`1000003\0${run}\0`).length > 0, 60_000);
      progTimes.push(performance.now() - start);
      await sleep(1_500);
    }
    const verdict = (ms: number) => (ms < 500 ? 'ok' : 'SLOWER THAN TARGET');
    console.log(
      `serve: file save → served, Site: median ${Math.round(pct(siteTimes, 0.5))} ms, max ${Math.round(Math.max(...siteTimes))} ms (target < 500 ms: ${verdict(pct(siteTimes, 0.5))})`,
    );
    console.log(
      `serve: Site edits in order (ms): ${siteTimes.map((ms) => Math.round(ms)).join(', ')}; nginx -t over the same config after each: ${nginxTimes.map((ms) => Math.round(ms)).join(', ')} (median ${Math.round(nginxT)} ms); median edit / median nginx -t = ${(pct(siteTimes, 0.5) / nginxT).toFixed(2)} (target <= 3: ${pct(siteTimes, 0.5) <= 3 * nginxT ? 'ok' : 'OVER TARGET'}); load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    console.log(
      `serve: file save → running, Program: median ${Math.round(pct(progTimes, 0.5))} ms, max ${Math.round(Math.max(...progTimes))} ms (target < 500 ms: ${verdict(pct(progTimes, 0.5))})`,
    );

    const apiTimes: number[] = [];
    for (let i = 0; i < N.apiCalls; i++) {
      const start = performance.now();
      const r = await get(apiPort, '127.0.0.1', `/v1/resources/Site/app${i % N.sites}`);
      if (r.status !== 200) throw new Error(`GET /v1/resources/Site/app${i}: ${r.status}`);
      apiTimes.push(performance.now() - start);
    }
    console.log(
      `serve: GET /v1/resources/Site/:name at 1,000 Sites: median ${pct(apiTimes, 0.5).toFixed(1)} ms, p99 ${pct(apiTimes, 0.99).toFixed(1)} ms`,
    );

    const pid = daemon.pid!;
    const ticks0 = cpuTicks(pid);
    const w0 = performance.now();
    await sleep(N.idleMs);
    const cpu = ((cpuTicks(pid) - ticks0) / 100 / ((performance.now() - w0) / 1000)) * 100;
    const rss = rssMb(pid);
    console.log(
      `serve: idle over ${N.idleMs / 1000} s (resync every 30 s): ${cpu.toFixed(2)}% of a core (target < 2%: ${cpu < 2 ? 'ok' : 'OVER TARGET'}); RSS ${rss.toFixed(0)} MB (target < 150 MB: ${rss < 150 ? 'ok' : 'OVER TARGET'})`,
    );
    if (snapDir) {
      process.kill(pid, 'SIGUSR2');
      await until(
        'the second heap snapshot',
        () => readdirSync(snapDir).filter((f) => f.endsWith('.heapsnapshot')).length > 1,
        300_000,
        1_000,
      );
      await sleep(20_000);
    }
  } finally {
    // A daemon that already died (killed from outside) will not emit 'exit' again.
    if (daemon.exitCode === null && daemon.signalCode === null) {
      const exited = new Promise((r) => daemon.once('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    }
    // Masters with their workers (whose titles do not name the root), then anything else left.
    await killMasters(base);
    for (const pid of pidsMentioning(base)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(base, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('serve-bench.js') || process.argv[1]?.endsWith('serve-bench.ts'))
  await benchServe();
