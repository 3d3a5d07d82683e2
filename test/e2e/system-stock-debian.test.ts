// The system profile on a stock Debian nginx without systemd (issue 14 item 8): Debian's packaged
// /etc/nginx, copied into a relocated root with its `load_module modules/…` lines and default site
// intact, is validated and started the way Debian's init script does it (no -p: the compiled prefix
// resolves the modules). `nginx -t -p /etc/nginx` cannot even load that config; tend must not use it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  BIN,
  collect,
  ensureBuilt,
  freePort,
  httpGet,
  killMasters,
  staticSiteYaml,
  webBaseArgs,
} from '../helpers/e2e.js';
import { spawn } from 'node:child_process';

/** Debian's /etc/nginx under `root`, absolute paths moved there, the default site on `port`. */
function relocateStockNginx(root: string, port: number): string {
  const etc = join(root, 'etc/nginx');
  mkdirSync(join(root, 'etc'), { recursive: true });
  assert.equal(spawnSync('cp', ['-a', '/etc/nginx', etc]).status, 0);
  for (const dir of ['run', 'var/log/nginx']) mkdirSync(join(root, dir), { recursive: true });
  const relocate = (text: string) =>
    text
      .replaceAll('/etc/nginx/', `${etc}/`)
      .replaceAll('/run/nginx.pid', `${root}/run/nginx.pid`)
      .replaceAll('/var/log/nginx/', `${root}/var/log/nginx/`);
  writeFileSync(join(etc, 'nginx.conf'), relocate(readFileSync(join(etc, 'nginx.conf'), 'utf8')));
  const site = join(etc, 'sites-available/default');
  writeFileSync(site, readFileSync(site, 'utf8').replace(/listen (\[::\]:)?80 /g, `listen $1${port} `));
  const link = join(etc, 'sites-enabled/default');
  unlinkSync(link);
  symlinkSync(site, link);
  return etc;
}

test(
  "system profile on Debian's stock nginx.conf: load_module lines intact, default site kept, Site served",
  { timeout: 300_000 },
  async (t) => {
    ensureBuilt();
    const base = mkdtempSync(join(tmpdir(), 'tend-e2e-stock-'));
    chmodSync(base, 0o755);
    t.after(async () => {
      const survivors = await killMasters(base);
      if (!process.env.TEND_KEEP_TMP) rmSync(base, { recursive: true, force: true });
      assert.deepEqual(survivors, []);
    });
    const root = join(base, 'root');
    const port = await freePort();
    const etc = relocateStockNginx(root, port);

    // The packaged module lines are there, untouched, and a -p of /etc/nginx cannot load them.
    const modules = readdirSync(join(etc, 'modules-enabled'));
    assert.ok(modules.length > 0, 'the stock install enables at least one module');
    const moduleConf = readFileSync(join(etc, 'modules-enabled', modules[0]!), 'utf8');
    assert.match(moduleConf, /^load_module modules\//m);
    const oldWay = spawnSync('/usr/sbin/nginx', ['-t', '-p', etc, '-c', join(etc, 'nginx.conf')]);
    assert.notEqual(oldWay.status, 0, 'the -p way refuses the stock config');
    assert.match(oldWay.stderr.toString(), /modules\/.*No such file|dlopen/);

    const ds = join(base, 'ds');
    const www = join(base, 'www/docs');
    mkdirSync(ds);
    mkdirSync(www, { recursive: true });
    writeFileSync(join(www, 'index.html'), 'docs from tend\n');
    writeFileSync(join(ds, 'docs.yaml'), staticSiteYaml('docs', www));
    const run = await collect(
      spawn(
        process.execPath,
        [
          BIN,
          'reconcile',
          '--profile',
          'system',
          '-d',
          ds,
          '--root',
          root,
          '--http-port',
          String(port),
          ...webBaseArgs(base),
        ],
        { cwd: base, env: { ...process.env, NO_COLOR: '1' }, stdio: 'pipe' },
      ),
    );
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.doesNotMatch(run.stdout + run.stderr, /already invalid/);

    // The Site's vhost went through sites-available and a sites-enabled link, beside Debian's default.
    assert.ok(readdirSync(join(etc, 'sites-enabled')).includes('default'));
    const served = await httpGet(port, 'docs.e2e.test');
    assert.equal(served.status, 200);
    assert.equal(served.body, 'docs from tend\n');
    // Any other name still reaches Debian's default server, not tend's vhost.
    const other = await httpGet(port, 'elsewhere.test');
    assert.notEqual(other.body, 'docs from tend\n');

    const status = await collect(
      spawn(process.execPath, [BIN, 'status', '--json', '--profile', 'system', '--root', root], {
        cwd: base,
        stdio: 'pipe',
      }),
    );
    assert.equal(status.code, 0, status.stderr);
    const docs = (JSON.parse(status.stdout) as { key: string; phase: string }[]).find(
      (s) => s.key === 'Site/docs',
    );
    assert.equal(docs?.phase, 'Ready', status.stdout);
  },
);
