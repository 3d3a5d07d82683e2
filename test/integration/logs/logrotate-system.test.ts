// The system profile's logrotate rules (issue 17 item 5, decision 0044) on a relocated root with
// real nginx and php-fpm masters started from their pid files: tend writes rules `logrotate -d`
// accepts (and refuses to install ones it does not), and a real logrotate run with a state file in
// the temp root rotates the logs pushed past their size, leaves the small ones, and its postrotate
// makes each master reopen: /proc/<pid>/fd then shows only the live files, and every request has
// exactly one line across a log and its rotations. `logrotate -f` then forces one more round.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { nginxDirectories, renderNginxMainConfig } from '../../../src/drivers/nginx/main-config.js';
import { phpFpmDirectories, renderPhpFpmMainConfig } from '../../../src/drivers/php-fpm/main-config.js';
import { serviceDriverFor } from '../../../src/drivers/services.js';
import { systemLayout } from '../../../src/layout/layout.js';
import { poolResource, siteResource } from '../../../src/model/index.js';
import { checkLogrotateConfig, syncLogrotateConfig } from '../../../src/runtime/logrotate-sync.js';
import { childrenOf, openFiles } from '../../helpers/procs.js';
import { tempDir } from '../../helpers/tmp.js';
import {
  PHP,
  embeddedFixture,
  httpGet,
  isRoot,
  masters,
  realHost,
  writePool,
  writeVhost,
} from '../services/harness.js';
import { until } from '../supervisor/helpers.js';

/** Lines naming one of our requests across a log and its numbered rotations. */
const requestLines = (log: string) =>
  [log, `${log}.1`, `${log}.2`, `${log}.3`, `${log}.4`]
    .filter((f) => existsSync(f))
    .flatMap((f) => readFileSync(f, 'utf8').split('\n'))
    .filter((l) => /\/index\.php\?i=\d+/.test(l));

test('system profile: logrotate rules tend writes pass logrotate -d; a real logrotate rotates past-size logs and nginx and php-fpm reopen', async (t) => {
  const f = await embeddedFixture(t, 'tend-lr-', 'system');
  const { layout } = f;
  for (const dir of [...nginxDirectories(layout), ...phpFpmDirectories(layout, PHP)])
    mkdirSync(dir, { recursive: true });
  mkdirSync(`${f.root}/etc/nginx/sites-available`, { recursive: true });
  writeFileSync(layout.nginx.mainConfig, renderNginxMainConfig(layout, isRoot ? { user: 'www-data' } : {}));
  writeFileSync(layout.php.mainConfig(PHP), renderPhpFpmMainConfig(layout, PHP));
  const access = layout.nginx.siteLog('app', 'access');
  const errors = layout.nginx.siteLog('app', 'error');
  const fpmAccess = layout.php.accessLog(PHP, 'app');
  const slow = layout.php.slowlog(PHP, 'app');
  for (const log of [access, fpmAccess]) mkdirSync(dirname(log), { recursive: true });
  symlinkSync(
    writeVhost(f, 'v1', 'app', `access_log ${access};\n    error_log ${errors};`),
    layout.nginx.siteLink('app')!,
  );
  writePool(
    f,
    'app',
    `access.log = ${fpmAccess}\naccess.format = "%m %r%Q%q %s"\nslowlog = ${slow}\nrequest_slowlog_timeout = 30s\n`,
  );
  const ctx = { host: realHost(), layout, manager: 'signals' as const };
  await serviceDriverFor(`php-fpm@${PHP}`, ctx).ensureRunning();
  await serviceDriverFor('nginx', ctx).ensureRunning();

  // The rules, from the desired Site and Pool, checked by logrotate -d before they are installed.
  const resources = [
    siteResource.parse({
      apiVersion: 'tend/v1',
      kind: 'Site',
      metadata: { name: 'app' },
      spec: { preset: 'php', domains: ['app.test'], root: f.docroot, php: { pool: 'app' } },
    }),
    poolResource.parse({
      apiVersion: 'tend/v1',
      kind: 'Pool',
      metadata: { name: 'app' },
      spec: { php: PHP, accessLog: true, slowlog: { timeout: '30s' } },
    }),
  ];
  const host = realHost();
  const sync = await syncLogrotateConfig(host, layout, resources, { maxBytes: 2048, keep: 3 });
  assert.equal(sync.problem, undefined);
  assert.equal(sync.path, `${f.root}/etc/logrotate.d/tend`);
  assert.equal(sync.written, true);
  const rules = readFileSync(sync.path, 'utf8');
  for (const p of [access, errors, fpmAccess, slow, `${layout.programs.logDir}/*.log`])
    assert.ok(rules.includes(p), p);
  assert.match(rules, new RegExp(`--pidfile ${layout.nginx.pidFile} --name nginx`));
  assert.match(rules, new RegExp(`--pidfile ${layout.php.pidFile(PHP)} --name php-fpm${PHP}`));
  const state = join(f.root, 'var/lib/logrotate.status');
  const dry = spawnSync('logrotate', ['-d', '-s', state, sync.path], { encoding: 'utf8' });
  assert.equal(dry.status, 0, dry.stderr);
  assert.equal(
    (await syncLogrotateConfig(host, layout, resources, { maxBytes: 2048, keep: 3 })).written,
    false,
  );
  // The check can fail: a rule logrotate does not understand is refused with what logrotate said.
  const bad = join(f.root, 'bad.rules');
  writeFileSync(bad, `${access} {\n\tsize lots\n}\n`, { mode: 0o644 });
  assert.match(
    (await checkLogrotateConfig(host, bad, state)) ?? 'accepted',
    /logrotate -d refused .*bad\.rules/,
  );

  // Requests until both access logs are past 2 KB; logrotate (no -f: by size) rotates those two only.
  let sent = 0;
  const send = async () => {
    const r = await httpGet(f.port, 'app.test', `/index.php?i=${sent}`);
    assert.equal(r.status, 200, r.body);
    sent++;
  };
  const size = (p: string) => (existsSync(p) ? readFileSync(p).length : 0);
  while (size(access) <= 2048 || size(fpmAccess) <= 2048) await send();
  const run = spawnSync('logrotate', ['-v', '-s', state, sync.path], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.ok(existsSync(`${access}.1`) && existsSync(`${fpmAccess}.1`), run.stderr);
  assert.equal(existsSync(`${errors}.1`), false, 'a log under its size stays');

  const pids = () => {
    const nginx = masters(f.root, 'nginx').map((m) => m.pid);
    return [
      ...nginx,
      ...nginx.flatMap((m) => childrenOf(m)),
      ...masters(f.root, 'php-fpm').map((m) => m.pid),
    ];
  };
  const reopened = async (what: string) => {
    let last = '';
    await until(
      what,
      () => {
        const files = pids().flatMap((p) => openFiles(p));
        const stale = files.filter(
          (x) => x.startsWith(f.root) && (x.endsWith(' (deleted)') || /\.log\.\d+$/.test(x)),
        );
        last = JSON.stringify({ stale, logs: files.filter((x) => x.includes('/var/log/')) });
        return stale.length === 0 && files.includes(access) && files.includes(fpmAccess);
      },
      30_000,
    ).catch((err: Error) => assert.fail(`${err.message}: ${last}`));
  };
  await reopened('the masters on the new files after logrotate');
  for (let i = 0; i < 5; i++) await send();
  await until(
    'new requests in the new files',
    () => requestLines(access).length === sent && size(access) > 0,
    20_000,
  );

  // A forced round shifts .1 to .2 and the masters reopen again.
  const forced = spawnSync('logrotate', ['-f', '-s', state, sync.path], { encoding: 'utf8' });
  assert.equal(forced.status, 0, forced.stderr);
  assert.ok(existsSync(`${access}.2`) && existsSync(`${fpmAccess}.2`));
  await reopened('the masters on the new files after logrotate -f');
  await send();
  for (const log of [access, fpmAccess]) {
    const lines = await until(
      `${sent} request lines in ${log}*`,
      () => {
        const l = requestLines(log);
        return l.length >= sent ? l : undefined;
      },
      20_000,
    );
    const ids = lines.map((l) => Number(/\?i=(\d+)/.exec(l)![1]));
    assert.equal(lines.length, sent, `${log}: one line per request`);
    assert.equal(new Set(ids).size, sent);
  }
  assert.match(
    readFileSync(access, 'utf8'),
    new RegExp(`i=${sent - 1} `),
    'the last request is in the live file',
  );
});

test('rules logrotate -d refuses are not installed, the old ones stay, and an unchanged refused set is not checked again', async (t) => {
  const root = tempDir(t, 'tend-lrbad-');
  const layout = systemLayout(root);
  mkdirSync(layout.stateDir, { recursive: true });
  const real = realHost();
  let checks = 0;
  const host = {
    ...real,
    exec: (file: string, args: readonly string[]) => {
      if (file === 'logrotate') checks++;
      return real.exec(file, args);
    },
  };
  const good = await syncLogrotateConfig(host, layout, [], { maxBytes: 4096, keep: 2 });
  assert.equal(good.written, true);
  const before = readFileSync(good.path, 'utf8');
  const refused = {};
  // A size logrotate cannot read: refused by logrotate -d itself.
  const bad = await syncLogrotateConfig(host, layout, [], { maxBytes: NaN, keep: 2 }, refused);
  assert.equal(bad.written, false);
  assert.match(bad.problem ?? '', /logrotate -d refused/);
  assert.equal(readFileSync(good.path, 'utf8'), before, 'the previous rules stay');
  const count = checks;
  const again = await syncLogrotateConfig(host, layout, [], { maxBytes: NaN, keep: 2 }, refused);
  assert.equal(again.problem, bad.problem);
  assert.equal(checks, count, 'not checked again');
});
