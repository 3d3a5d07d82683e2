// Benchmark: the floor for 1,000 resources on real nginx and php-fpm 8.2: nginx -t and a verified
// reload over 1,000 vhosts, php-fpm -t over 1,000 ondemand pools, and php-fpm cold start until all
// 1,000 sockets listen. Every figure goes through the drivers, as an apply would.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NginxDriver } from '../src/drivers/nginx/driver.js';
import { PhpFpmDriver } from '../src/drivers/php-fpm/driver.js';
import { createRealHost } from '../src/host/real-host.js';
import { freePort } from '../test/helpers/ports.js';
import { embeddedLayout, type Layout } from '../src/layout/layout.js';

const PHP = '8.2';

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

function writeResources(layout: Layout, root: string, n: number, port: number): void {
  mkdirSync(layout.nginx.includeDir, { recursive: true });
  mkdirSync(layout.php.poolDir(PHP), { recursive: true });
  const asRoot = process.getuid?.() === 0;
  for (let i = 0; i < n; i++) {
    const name = `s${i}`;
    writeFileSync(
      layout.nginx.siteFile(name),
      `server {\n    listen 127.0.0.1:${port};\n    server_name ${name}.bench.test;\n    root ${root}/www;\n` +
        `    location / { return 200 "${name}"; }\n    location ~ \\.php$ {\n` +
        `        include /etc/nginx/fastcgi_params;\n        fastcgi_pass unix:${layout.php.socket(PHP, name)};\n    }\n}\n`,
    );
    writeFileSync(
      layout.php.poolFile(PHP, name),
      `[${name}]\n${asRoot ? 'user = www-data\ngroup = www-data\n' : ''}listen = ${layout.php.socket(PHP, name)}\n` +
        'listen.mode = 0660\npm = ondemand\npm.max_children = 1\npm.process_idle_timeout = 10s\n',
    );
  }
}

export async function benchServiceFloor(n = 1000): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'tend-floor-'));
  chmodSync(root, 0o755);
  const host = createRealHost();
  const layout = embeddedLayout(root, { httpPort: await freePort() });
  const ctx = { host, layout };
  const nginx = new NginxDriver(ctx);
  const php = new PhpFpmDriver(ctx, PHP);
  const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
  try {
    writeResources(layout, root, n, layout.nginx.listenPort);
    const [nginxStart] = await timed(() => nginx.ensureRunning());
    const [nginxTest, check] = await timed(() => nginx.validate());
    if (!check.ok) throw new Error(`bench: nginx -t failed: ${check.message}`);
    const [nginxReload, reload] = await timed(() => nginx.reload());
    console.log(
      `nginx, ${n} vhosts: cold start ${fmt(nginxStart)}, nginx -t ${fmt(nginxTest)}, ` +
        `verified reload (-t + HUP + new workers) ${fmt(nginxReload)} [${reload.method.replace(/ \(.*/, '')}]`,
    );
    const [phpTest, phpCheck] = await timed(() => php.validate());
    if (!phpCheck.ok) throw new Error(`bench: php-fpm -t failed: ${phpCheck.message}`);
    const [phpStart] = await timed(() => php.ensureRunning());
    const [phpReload] = await timed(() => php.reload());
    console.log(
      `php-fpm ${PHP}, ${n} ondemand pools: php-fpm -t ${fmt(phpTest)}, cold start to ${n} listening sockets ` +
        `${fmt(phpStart)}, verified reload (-t + USR2 + sockets) ${fmt(phpReload)}`,
    );
  } finally {
    await nginx.stop().catch(() => undefined);
    await php.stop().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchServiceFloor(Number(process.argv[2] ?? 1000));
}
