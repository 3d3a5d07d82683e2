// Pure parsing of what nginx and php-fpm say (real messages captured from nginx 1.22 and
// php-fpm 8.2), pool file reading, and the systemd-or-signals choice with a fake host.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Host } from '../../../src/host/index.js';
import { embeddedLayout, systemLayout } from '../../../src/layout/index.js';
import { isTendError } from '../../../src/errors/catalogue.js';
import { resolveManager } from '../../../src/drivers/health/manager.js';
import { parseProcNetUnix } from '../../../src/drivers/health/observe.js';
import { nginxFailingFiles, renderNginxMainConfig } from '../../../src/drivers/nginx/main-config.js';
import { renderPhpFpmMainConfig } from '../../../src/drivers/php-fpm/main-config.js';
import { parseListen, parsePoolFile, phpFpmFailingFiles } from '../../../src/drivers/php-fpm/pool-files.js';

test('nginx: failing files come from fatal lines only', () => {
  const out = [
    'nginx: [warn] conflicting server name "a" on 0.0.0.0:80, ignored in /r/sites/a.conf:3',
    'nginx: [emerg] unknown directive "bogus" in /r/sites/b.conf:12',
    'nginx: [emerg] open() "/x" failed (2: No such file or directory) in /r/nginx.conf:40',
    'nginx: configuration file /r/nginx.conf test failed',
  ].join('\n');
  assert.deepEqual(nginxFailingFiles(out), ['/r/sites/b.conf', '/r/nginx.conf']);
});

test('php-fpm: failing files from [file:line], "Unable to include", "in <file>" and [pool name]', () => {
  const pools = [parsePoolFile('/r/pool.d/shop.conf', '[shop]\nlisten = /r/run/shop.sock\n')];
  const out = [
    "[23-Nov-2026 08:34:50] ERROR: [/r/pool.d/a.conf:4] unable to parse value for entry 'pm'",
    '[23-Nov-2026 08:34:50] ERROR: Unable to include /r/pool.d/a.conf from /r/php-fpm.conf at line 4',
    '[23-Nov-2026 08:34:50] ERROR: Unable to include /r/pool.d/c.conf from /r/php-fpm.conf at line 4',
    '[23-Nov-2026 08:34:50] ALERT: [pool shop] pm.max_spare_servers(0) must be a positive value',
    "[23-Nov-2026 08:34:50] WARNING: Nothing matches the include pattern '/r/x/*.conf' from /r/php-fpm.conf",
    "[23-Nov-2026 08:34:50] ERROR: failed to load configuration file '/r/php-fpm.conf'",
  ].join('\n');
  assert.deepEqual(phpFpmFailingFiles(out, pools), [
    '/r/pool.d/a.conf',
    '/r/pool.d/c.conf',
    '/r/pool.d/shop.conf',
  ]);
});

test('pool files: sections and listen addresses (unix path, port, address:port, IPv6)', () => {
  const info = parsePoolFile('/p.conf', '; x\n[a]\nlisten = "/run/a.sock"\n[b]\nlisten=9001\n');
  assert.deepEqual(info.sections, ['a', 'b']);
  assert.deepEqual(info.listens, [{ socketPath: '/run/a.sock' }, { host: '127.0.0.1', port: 9001 }]);
  assert.deepEqual(parseListen('10.0.0.1:9000'), { host: '10.0.0.1', port: 9000 });
  assert.deepEqual(parseListen('[::1]:9000'), { host: '::1', port: 9000 });
  assert.equal(parseListen('not a listen'), undefined);
});

function hostWithPid1(comm: string | undefined): Host {
  const fs = { readFile: async (p: string) => (p === '/proc/1/comm' ? comm : undefined) };
  return { fs } as unknown as Host;
}

test('manager: systemd only for the system profile with systemd as PID 1; injectable', async () => {
  const sys = systemLayout('/');
  assert.equal(await resolveManager({ host: hostWithPid1('systemd\n'), layout: sys }), 'systemd');
  assert.equal(await resolveManager({ host: hostWithPid1('tini\n'), layout: sys }), 'signals');
  assert.equal(await resolveManager({ host: hostWithPid1(undefined), layout: sys }), 'signals');
  const emb = embeddedLayout('/srv/tend');
  assert.equal(await resolveManager({ host: hostWithPid1('systemd\n'), layout: emb }), 'signals');
  const forced = { host: hostWithPid1('systemd\n'), layout: sys, manager: 'signals' as const };
  assert.equal(await resolveManager(forced), 'signals');
});

test('main configs: managed header, everything under the root, hostile roots refused', () => {
  const layout = embeddedLayout('/srv/tend', { httpPort: 21000 });
  const nginx = renderNginxMainConfig(layout);
  assert.match(nginx, /^# managed by tend/);
  assert.match(nginx, /include \/srv\/tend\/nginx\/sites\/\*\.conf;/);
  assert.match(nginx, /listen 127\.0\.0\.1:21000 default_server;\n\s+server_name _;\n\s+return 404;/);
  for (const kind of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    assert.match(nginx, new RegExp(`${kind}_temp_path /srv/tend/nginx/tmp/${kind};`));
  }
  const php = renderPhpFpmMainConfig(layout, '8.2');
  assert.match(php, /^; managed by tend/);
  assert.match(php, /\ninclude = \/srv\/tend\/php\/8\.2\/pool\.d\/\*\.conf\n/);
  const hostile = embeddedLayout('/srv/x; include /etc/shadow;#');
  assert.throws(
    () => renderNginxMainConfig(hostile),
    (err) => isTendError(err, 'TEND_ERR_UNSAFE_VALUE'),
  );
  assert.throws(
    () => renderPhpFpmMainConfig(hostile, '8.2'),
    (err) => isTendError(err, 'TEND_ERR_UNSAFE_VALUE'),
  );
  assert.throws(
    () => renderPhpFpmMainConfig(layout, '8.2\ninclude=/x'),
    (err) => isTendError(err, 'TEND_ERR_UNSAFE_VALUE'),
  );
});

test('/proc/net/unix: only listening sockets with a path count', () => {
  const text = [
    'Num       RefCount Protocol Flags    Type St Inode Path',
    '0000000039246afb: 00000002 00000000 00010000 0001 01 37835 /r/run/php/8.2-app.sock',
    '0000000054e0dd3c: 00000003 00000000 00000000 0001 03 37838 /r/run/php/8.2-old.sock',
    '0000000054e0dd3d: 00000002 00000000 00010000 0001 01 37839 @abstract',
    '0000000054e0dd3e: 00000003 00000000 00000000 0001 03 37840',
  ].join('\n');
  assert.deepEqual([...parseProcNetUnix(text)], ['/r/run/php/8.2-app.sock']);
});

test('pool files: pm.status_listen sockets are listed apart, so a restart frees them from orphans', () => {
  const info = parsePoolFile(
    '/p.conf',
    '[a]\nlisten = /run/a.sock\npm.status_path = /fpm-status\npm.status_listen = /run/a.status.sock\n',
  );
  assert.deepEqual(info.listens, [{ socketPath: '/run/a.sock' }]);
  assert.deepEqual(info.statusListens, [{ socketPath: '/run/a.status.sock' }]);
});
