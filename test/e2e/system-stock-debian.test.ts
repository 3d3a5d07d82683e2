// The system profile on a stock Debian nginx without systemd (issue 14 item 8): Debian's packaged
// /etc/nginx, copied into a relocated root with its `load_module modules/…` lines and default site
// intact, is validated and started the way Debian's init script does it (no -p: the compiled prefix
// resolves the modules). `nginx -t -p /etc/nginx` cannot even load that config; tend must not use it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, httpGet, staticSiteYaml } from '../helpers/e2e.js';
import { stockEnv } from './stock-nginx.js';

test(
  "system profile on Debian's stock nginx.conf: load_module lines intact, default site kept, Site served",
  { timeout: 300_000 },
  async (t) => {
    const env = stockEnv(t, await freePort());
    const { etc, port } = env;

    // The packaged module lines are there, untouched, and a -p of /etc/nginx cannot load them.
    const modules = readdirSync(join(etc, 'modules-enabled'));
    assert.ok(modules.length > 0, 'the stock install enables at least one module');
    const moduleConf = readFileSync(join(etc, 'modules-enabled', modules[0]!), 'utf8');
    assert.match(moduleConf, /^load_module modules\//m);
    const oldWay = spawnSync('/usr/sbin/nginx', ['-t', '-p', etc, '-c', join(etc, 'nginx.conf')]);
    assert.notEqual(oldWay.status, 0, 'the -p way refuses the stock config');
    assert.match(oldWay.stderr.toString(), /modules\/.*No such file|dlopen/);

    const www = join(env.base, 'www/docs');
    mkdirSync(www, { recursive: true });
    writeFileSync(join(www, 'index.html'), 'docs from tend\n');
    writeFileSync(join(env.ds, 'docs.yaml'), staticSiteYaml('docs', www));
    const run = await env.tend('reconcile');
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

    const status = await env.tend('status', '--json');
    assert.equal(status.code, 0, status.stderr);
    const docs = (JSON.parse(status.stdout) as { key: string; phase: string }[]).find(
      (s) => s.key === 'Site/docs',
    );
    assert.equal(docs?.phase, 'Ready', status.stdout);
  },
);
