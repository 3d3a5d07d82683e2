// Pools seen from inside, the pure parts: php-fpm's status page, the kernel's accept queues, slowlog
// entries, capacity arithmetic, and the bad input around status and ping paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFpmStatus } from '../../../src/drivers/php-fpm/fpm-status.js';
import { parseSsListen } from '../../../src/drivers/php-fpm/listen-queues.js';
import { parseSlowlog } from '../../../src/drivers/php-fpm/slowlog.js';
import { adviseMaxChildren, perWorkerBytes } from '../../../src/status/capacity.js';
import { underLoad } from '../../../src/observe/pool-observe.js';
import { SCHEMAS, checkCrossRules, type Pool, type Resource } from '../../../src/model/index.js';
import { validateCommand } from '../../../src/cli/validate.js';

const STATUS = JSON.stringify({
  pool: 'p',
  'process manager': 'ondemand',
  'start time': 1_796_000_000,
  'start since': 12,
  'accepted conn': 40,
  'listen queue': 0,
  'max listen queue': 0,
  'listen queue len': 0,
  'idle processes': 0,
  'active processes': 2,
  'total processes': 2,
  'max active processes': 2,
  'max children reached': 3,
  'slow requests': 5,
  processes: [{ pid: 11, state: 'Running', 'last request memory': 0, 'request uri': '/sleep.php' }],
});

test('the status page parses into figures and, with ?full, workers', () => {
  const s = parseFpmStatus(STATUS);
  assert.equal(s.startTime, new Date(1_796_000_000_000).toISOString());
  assert.deepEqual(
    [
      s.acceptedConn,
      s.activeProcesses,
      s.idleProcesses,
      s.totalProcesses,
      s.maxChildrenReached,
      s.slowRequests,
    ],
    [40, 2, 0, 2, 3, 5],
  );
  assert.deepEqual(s.workers, [
    { pid: 11, state: 'Running', lastRequestMemory: 0, requestUri: '/sleep.php' },
  ]);
  assert.throws(() => parseFpmStatus('pong'));
  assert.throws(() => parseFpmStatus('{"hello":1}'), /not a php-fpm status page/);
});

test('ss -xl lines give each listening socket its queue', () => {
  const q = parseSsListen(
    'u_str LISTEN 4      4096          /run/a.sock 1944650 * 0\n' +
      'u_str LISTEN 0      4096   /run/a.status.sock 1944652 * 0\n' +
      'u_str ESTAB 0 0 * 1 * 2\n',
  );
  assert.deepEqual(
    [...q],
    [
      ['/run/a.sock', 4],
      ['/run/a.status.sock', 0],
    ],
  );
});

test('slowlog entries give the script and the top frame', () => {
  const entries = parseSlowlog(
    '\n[06-Dec-2026 03:48:02]  [pool p] pid 15330\nscript_filename = /srv/www/a/slow.php\n' +
      '[0x00007fab76615090] sleep() /srv/www/a/slow.php:3\n[0x00007fab76615000] main() /srv/www/a/slow.php:9\n' +
      '\n[06-Dec-2026 03:48:05]  [pool p] pid 15331\nscript_filename = /srv/www/a/other.php\n',
  );
  assert.equal(entries.length, 2);
  assert.deepEqual(entries[0], {
    at: '06-Dec-2026 03:48:02',
    pid: 15330,
    script: '/srv/www/a/slow.php',
    topFrame: 'sleep() /srv/www/a/slow.php:3',
  });
  assert.equal(entries[1]!.topFrame, '(no backtrace)');
});

test('a worker between requests counts its last request; advice subtracts the reserve', () => {
  const mib = 2 ** 20;
  const per = perWorkerBytes([
    { pid: 1, bytes: 10 * mib, lastRequestMemory: 40 * mib },
    { pid: 2, bytes: 30 * mib, lastRequestMemory: 0 },
  ]);
  assert.equal(per, 50 * mib);
  assert.equal(perWorkerBytes([]), undefined);
  const a = adviseMaxChildren({
    hostBytes: 1024 * mib,
    marginBytes: 100 * mib,
    nginxBytes: 24 * mib,
    otherPoolsBytes: 400 * mib,
    perWorkerBytes: 50 * mib,
    workersMeasured: 2,
    source: 'pss',
    currentMaxChildren: 5,
  });
  assert.equal(a.maxChildren, 10);
  assert.match(
    a.basis,
    /1024 MiB host − 100 MiB margin − 24 MiB nginx − 400 MiB other pools' worst case\) \/ 50 MiB/,
  );
  const none = adviseMaxChildren({
    ...a,
    hostBytes: 10 * mib,
    marginBytes: 0,
    nginxBytes: 0,
    otherPoolsBytes: 0,
    perWorkerBytes: 50 * mib,
    workersMeasured: 1,
    source: 'rss',
    currentMaxChildren: 5,
  });
  assert.equal(none.maxChildren, 1, 'never advises zero workers');
});

const parse = (kind: 'Pool' | 'Site', name: string, spec: Record<string, unknown>): Resource =>
  SCHEMAS[kind].parse({ apiVersion: 'tend/v1', kind, metadata: { name }, spec });

test('a pool under load is looked at: queued connections, saturated, all workers busy, slowlog grew', () => {
  const pool = parse('Pool', 'p', { php: '8.2', pm: { type: 'static', maxChildren: 2 } }) as Pool;
  assert.equal(underLoad(pool, undefined, 0, undefined), false);
  assert.equal(underLoad(pool, undefined, 3, undefined), true);
  assert.equal(underLoad(pool, { saturated: true }, 0, undefined), true);
  assert.equal(underLoad(pool, { fpm: { activeProcesses: 2 } }, 0, undefined), true);
  assert.equal(underLoad(pool, { fpm: { activeProcesses: 1 }, slowlogOffset: 10 }, 0, 10), false);
  assert.equal(underLoad(pool, { fpm: { activeProcesses: 1 }, slowlogOffset: 10 }, 0, 90), true);
});

test('a status path ending in .php, or equal to the ping, is refused', () => {
  const bad = (health: Record<string, unknown>) =>
    SCHEMAS.Pool.safeParse({
      apiVersion: 'tend/v1',
      kind: 'Pool',
      metadata: { name: 'p' },
      spec: { php: '8.2', health },
    });
  assert.equal(bad({ statusPath: '/status.php' }).success, false);
  assert.equal(bad({ statusPath: '/ping' }).success, false);
  assert.equal(bad({ statusPath: '/fpm' }).success, true);
});

test('a pool status or ping path that a Site serves is an error naming the Pool field and the Site', () => {
  const pool = parse('Pool', 'app', { php: '8.2', health: { statusPath: '/status' } });
  const site = parse('Site', 'app', {
    domains: ['app.example.com'],
    preset: 'php',
    root: '/srv/www/app',
    php: { pool: 'app' },
    health: { path: '/ping' },
    redirects: [{ from: '/status', to: '/' }],
  });
  const issues = checkCrossRules([pool, site]).filter((i) => i.key === 'Pool/app');
  assert.deepEqual(
    issues.map((i) => [i.path.join('.'), i.code, i.related]),
    [
      ['spec.health.ping', 'TEND_ERR_DUPLICATE', 'Site/app'],
      ['spec.health.statusPath', 'TEND_ERR_DUPLICATE', 'Site/app'],
    ],
  );
  assert.match(
    issues[1]!.message,
    /health\.statusPath \/status clashes with Site\/app's route \(a redirect from \/status\)/,
  );
});

test('tend validate reports the clash at the Pool file line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tend-clash-'));
  writeFileSync(
    join(dir, 'app.yaml'),
    `apiVersion: tend/v1\nkind: Pool\nmetadata: { name: app }\nspec:\n  php: "8.2"\n  health:\n    statusPath: /health\n---\n` +
      `apiVersion: tend/v1\nkind: Site\nmetadata: { name: app }\nspec:\n  domains: [app.example.com]\n  preset: php\n  root: /srv/www/app\n  php: { pool: app }\n  health: { path: /health }\n`,
  );
  let out = '';
  const code = await validateCommand(['-d', dir, '--no-host-checks'], {
    stdout: (t) => (out += t),
    stderr: (t) => (out += t),
    cwd: dir,
    env: {},
    isTTY: false,
  });
  assert.equal(code, 1, out);
  assert.match(out, /app\.yaml:7:\d+: .*statusPath.*clashes with Site\/app/, out);
});

test('tend validate warns when all Pools at their memory_limit exceed the host, and still passes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tend-worst-'));
  const poolYaml = (name: string, children: number, limit?: string) =>
    `apiVersion: tend/v1\nkind: Pool\nmetadata: { name: ${name} }\nspec:\n  php: "8.2"\n  pm: { type: static, maxChildren: ${children} }\n` +
    (limit ? `  phpAdminValues: { memory_limit: ${limit} }\n` : '');
  const run = async () => {
    let out = '';
    const code = await validateCommand(['-d', dir], {
      stdout: (t) => (out += t),
      stderr: (t) => (out += t),
      cwd: dir,
      env: {},
      isTTY: false,
    });
    return { code, out };
  };
  writeFileSync(join(dir, 'small.yaml'), poolYaml('small', 2));
  const calm = await run();
  assert.equal(calm.code, 0, calm.out);
  assert.doesNotMatch(calm.out, /warning/);
  // 1,000 workers × 4 GiB: more than any test host has.
  writeFileSync(join(dir, 'huge.yaml'), poolYaml('huge', 1000, '4G'));
  const warned = await run();
  assert.equal(warned.code, 0, warned.out);
  assert.match(
    warned.out,
    /warning: the Pools' worst case .* exceeds this host's memory .*Pool\/huge 1000 × 4096 MiB/,
  );
});
