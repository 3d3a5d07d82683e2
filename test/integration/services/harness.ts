// Shared set-up for the service integration tests: a temp root with a random free port, a PHP
// docroot, a hand-written vhost and pool, HTTP helpers, and a cleanup that kills every master.
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { TestContext } from 'node:test';
import { createRealHost } from '../../../src/host/index.js';
import { freePort } from '../../helpers/ports.js';

export { freePort };
import { embeddedLayout, systemLayout, type Layout } from '../../../src/layout/index.js';
import { tempDir } from '../../helpers/tmp.js';

export const PHP = '8.2';
export const isRoot = process.getuid?.() === 0;

/** Every process whose command line mentions the root, e.g. masters and workers of this test. */
export function processesUnder(root: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0+/g, ' ').trim();
      const state = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]?.[0];
      if (cmdline.includes(root) && state !== 'Z') found.push({ pid: Number(name), cmdline });
    } catch {
      // exited while scanning
    }
  }
  return found;
}

export const masters = (root: string, kind: 'nginx' | 'php-fpm') =>
  processesUnder(root).filter((p) => p.cmdline.startsWith(`${kind}: master process`));

function parentOf(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Kills whatever this root started and their workers (whose titles do not name the root). */
export function killEverythingUnder(root: string): void {
  const owners = new Set(processesUnder(root).map((p) => p.pid));
  const workers = readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n) && owners.has(parentOf(Number(n)) ?? -1))
    .map(Number);
  for (const pid of [...owners, ...workers]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export interface Fixture {
  root: string;
  port: number;
  layout: Layout;
  docroot: string;
  socket: string;
}

export async function embeddedFixture(
  t: TestContext,
  prefix = 'tend-svc-',
  profile: 'embedded' | 'system' = 'embedded',
): Promise<Fixture> {
  let root = '';
  // Registered before tempDir's removal so the masters die before their directory goes.
  t.after(() => root && killEverythingUnder(root));
  root = tempDir(t, prefix);
  // Workers run as nobody/www-data when the tests run as root: they must traverse the root.
  chmodSync(root, 0o755);
  const port = await freePort();
  const layout = (profile === 'embedded' ? embeddedLayout : systemLayout)(root, { httpPort: port });
  const docroot = `${root}/www/app`;
  mkdirSync(docroot, { recursive: true, mode: 0o755 });
  chmodSync(`${root}/www`, 0o755);
  writeFileSync(
    `${docroot}/index.php`,
    "<?php header('X-From: php'); echo 'php says ', $_SERVER['REQUEST_METHOD'], ' ', file_get_contents('php://input');\n",
  );
  return { root, port, layout, docroot, socket: layout.php.socket(PHP, 'app') };
}

export function writeVhost(f: Fixture, version: string, name = 'app', extra = ''): string {
  const file = f.layout.nginx.siteFile(name);
  mkdirSync(f.layout.nginx.includeDir, { recursive: true });
  writeFileSync(
    file,
    `# written by hand for the test
server {
    listen 127.0.0.1:${f.port};
    server_name ${name}.test;
    root ${f.docroot};
    index index.php;
    location = /version { default_type text/plain; return 200 "${version}"; }
    location ~ \\.php$ {
        include /etc/nginx/fastcgi_params;
        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
        fastcgi_pass unix:${f.socket};
    }
    ${extra}
}
`,
  );
  return file;
}

export function writePool(f: Fixture, name = 'app', extra = ''): string {
  const file = f.layout.php.poolFile(PHP, name);
  mkdirSync(f.layout.php.poolDir(PHP), { recursive: true });
  const owner = isRoot
    ? 'user = www-data\ngroup = www-data\nlisten.owner = www-data\nlisten.group = www-data\n'
    : '';
  writeFileSync(
    file,
    `; written by hand for the test
[${name}]
${owner}listen = ${f.layout.php.socket(PHP, name)}
listen.mode = 0660
pm = ondemand
pm.max_children = 2
ping.path = /ping
ping.response = pong-${name}
${extra}
`,
  );
  return file;
}

export function httpGet(
  port: number,
  host: string,
  path: string,
  body?: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', headers: { Host: host }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            headers: res.headers,
          }),
        );
      },
    );
    req.setTimeout(5_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

export const realHost = createRealHost;
