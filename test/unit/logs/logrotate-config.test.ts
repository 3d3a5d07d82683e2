// The system profile's logrotate rules, rendered from the desired state: one rule per master with
// its postrotate, the sizes from the flags, nothing for a log another rule or the operator owns,
// and a path logrotate would not read literally is refused rather than written.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTendError } from '../../../src/errors/catalogue.js';
import { systemLayout } from '../../../src/layout/layout.js';
import { renderLogrotateConfig } from '../../../src/logs/logrotate-config.js';
import { poolResource, siteResource } from '../../../src/model/index.js';

const site = (name: string) =>
  siteResource.parse({
    apiVersion: 'tend/v1',
    kind: 'Site',
    metadata: { name },
    spec: { preset: 'static', domains: [`${name}.test`], root: '/var/www/x' },
  });
const pool = (name: string, spec: Record<string, unknown> = {}) =>
  poolResource.parse({
    apiVersion: 'tend/v1',
    kind: 'Pool',
    metadata: { name },
    spec: { php: '8.2', ...spec },
  });
const limits = { maxBytes: 100 * 1024 * 1024, keep: 5 };

test('rules: Sites signal nginx, Pools their php-fpm, Programs and Job runs tend serve; size and keep from the flags', () => {
  const conf = renderLogrotateConfig({
    layout: systemLayout('/'),
    limits,
    resources: [site('b'), site('a'), pool('shop', { accessLog: true, slowlog: { timeout: '5s' } })],
  });
  assert.match(
    conf,
    /^\/var\/log\/nginx\/a\.access\.log \/var\/log\/nginx\/a\.error\.log \/var\/log\/nginx\/b\.access\.log/m,
  );
  assert.match(conf, /--signal USR1 --quiet --oknodo --pidfile \/run\/nginx\.pid --name nginx/);
  assert.match(
    conf,
    /^\/var\/log\/php8\.2-fpm\/shop\.slow\.log \/var\/log\/php8\.2-fpm\/shop\.access\.log \{/m,
  );
  assert.match(conf, /--pidfile \/run\/php\/php8\.2-fpm\.pid --name php-fpm8\.2/);
  assert.match(conf, /^\/var\/log\/php8\.2-fpm\/tenants\/shop\/error\.log \{\n(\t[^\n]*\n)*\}/m);
  assert.match(conf, /^\/var\/log\/tend\/programs\/\*\.log \{/m);
  assert.match(conf, /^\/var\/lib\/tend\/jobs\/\*\/runs\/\*\.log \{\n\tsize 104857600\n\trotate 1\n/m);
  assert.match(conf, /kill -USR2/);
  assert.equal((conf.match(/\tsize 104857600\n/g) ?? []).length, 5);
  assert.equal((conf.match(/\tnocreate\n/g) ?? []).length, 5, 'logrotate never creates a file');
  assert.doesNotMatch(conf, /copytruncate|^\tcompress$/m, 'rename only, nothing compressed');
});

test("rules leave out what another rule owns: Debian's nginx *.log rule, an operator's error_log, a pool without slowlog", () => {
  const conf = renderLogrotateConfig({
    layout: systemLayout('/'),
    limits: { ...limits, maxAgeMs: 86_400_000 },
    resources: [site('a'), pool('p', { phpAdminValues: { error_log: 'syslog' } })],
    nginxRuleBy: '/etc/logrotate.d/nginx',
  });
  assert.doesNotMatch(conf, /^\/var\/log\/nginx\//m);
  assert.match(
    conf,
    /# The Sites' nginx logs: \/etc\/logrotate\.d\/nginx already rotates \/var\/log\/nginx\/\*\.log/,
  );
  assert.doesNotMatch(conf, /php8\.2-fpm/);
  // An age turns into logrotate's period, with the size as maxsize.
  assert.match(conf, /\tdaily\n\tmaxsize 104857600\n/);
});

test('a path logrotate would not read literally (a blank in the root) is refused, not written', () => {
  assert.throws(
    () => renderLogrotateConfig({ layout: systemLayout('/srv/my root'), limits, resources: [site('a')] }),
    (e: unknown) =>
      isTendError(e) && e.code === 'TEND_ERR_UNSAFE_VALUE' && e.message.includes('/srv/my root'),
  );
});

test('the USR2 postrotate signals only a tend serve: a stale pid file naming another process leaves it alone', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tend-lrpid-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const layout = { ...systemLayout(dir), stateDir: dir };
  const conf = renderLogrotateConfig({ layout, limits, resources: [] });
  const script = conf
    .split('\n')
    .find((l) => l.includes('USR2'))!
    .trim();
  // Its command line says "serve", but it is not tend serve (USR2 would end it).
  const other = spawn('/bin/sh', ['-c', 'sleep 30; :', 'http-serve'], { stdio: 'ignore' });
  t.after(() => other.kill('SIGKILL'));
  writeFileSync(join(dir, 'serve.pid'), `${other.pid}\n`);
  const run = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(other.exitCode, null, 'the other process was not signalled');
  assert.equal(other.signalCode, null);
});
