// The system (Debian) layout under a relocated root, driven by pid files and signals (systemctl
// cannot run here): tend does not write the main configs, the same driver code starts, reloads, stops.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { nginxDirectories, renderNginxMainConfig } from '../../../src/drivers/nginx/main-config.js';
import { phpFpmDirectories, renderPhpFpmMainConfig } from '../../../src/drivers/php-fpm/main-config.js';
import { pingPool } from '../../../src/drivers/php-fpm/fastcgi.js';
import { serviceDriverFor } from '../../../src/drivers/services.js';
import {
  PHP,
  embeddedFixture,
  isRoot,
  httpGet,
  masters,
  realHost,
  writePool,
  writeVhost,
} from './harness.js';

test('system layout, signal path: start, serve, reload, stop', async (t) => {
  const f = await embeddedFixture(t, 'tend-sys-', 'system');
  const { layout } = f;
  assert.equal(layout.nginx.includeDir, `${f.root}/etc/nginx/sites-enabled`);
  for (const dir of [...nginxDirectories(layout), ...phpFpmDirectories(layout, PHP)]) {
    mkdirSync(dir, { recursive: true });
  }
  mkdirSync(`${f.root}/etc/nginx/sites-available`, { recursive: true });
  // On a real host these are Debian's files; here the test plays the distribution.
  // Debian's nginx.conf runs its workers as www-data, the owner of every pool socket.
  writeFileSync(layout.nginx.mainConfig, renderNginxMainConfig(layout, isRoot ? { user: 'www-data' } : {}));
  writeFileSync(layout.php.mainConfig(PHP), renderPhpFpmMainConfig(layout, PHP));
  const site = writeVhost(f, 'v1');
  symlinkSync(site, layout.nginx.siteLink('app')!);
  writePool(f);

  const ctx = { host: realHost(), layout, manager: 'signals' as const };
  const nginx = serviceDriverFor('nginx', ctx);
  const php = serviceDriverFor(`php-fpm@${PHP}`, ctx);
  await php.ensureRunning();
  await nginx.ensureRunning();
  assert.equal((await httpGet(f.port, 'app.test', '/index.php')).body, 'php says GET ');
  assert.equal((await pingPool({ socketPath: f.socket }, '/ping', 'pong-app')).ok, true);
  assert.ok(f.socket.startsWith(`${f.root}/run/php/php8.2-fpm-`), f.socket);

  writeVhost(f, 'v2');
  assert.match((await nginx.reload()).method, /^SIGHUP/);
  assert.equal((await httpGet(f.port, 'app.test', '/version')).body, 'v2');
  assert.match((await php.reload()).method, /^SIGUSR2/);
  assert.equal((await pingPool({ socketPath: f.socket }, '/ping', 'pong-app')).ok, true);

  await nginx.stop();
  await php.stop();
  assert.equal(await nginx.isRunning(), false);
  assert.equal(await php.isRunning(), false);
  assert.deepEqual([...masters(f.root, 'nginx'), ...masters(f.root, 'php-fpm')], []);
});
