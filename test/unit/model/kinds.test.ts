// Table tests for every schema rule of Site, Pool, Program, Terminal and the envelope: valid and invalid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCHEMAS, type Kind } from '../../../src/model/index.js';

const doc = (kind: Kind, spec: unknown, metadata: unknown = { name: 'x' }) => ({
  apiVersion: 'tend/v1',
  kind,
  metadata,
  spec,
});
/** undefined = valid; otherwise the dotted path of one issue (a union reports at the union). */
type Row = [name: string, kind: Kind, spec: Record<string, unknown>, issueAt?: string];

const SITE = { domains: ['a.example.com'], preset: 'static', root: '/srv/a' };
const PHP = { ...SITE, preset: 'php', php: { pool: 'p' } };
const POOL = { php: '8.2' };
const PROG = { command: ['x'] };
const DYN = { type: 'dynamic', maxChildren: 5, minSpareServers: 1, maxSpareServers: 3 };

const ROWS: Row[] = [
  ['static site', 'Site', SITE],
  ['php site with pool', 'Site', PHP],
  ['laravel/wordpress need php too', 'Site', { ...PHP, preset: 'wordpress' }],
  ['proxy to a program', 'Site', { domains: ['a.b'], preset: 'proxy', proxy: { program: 'app' } }],
  [
    'proxy to a URL',
    'Site',
    { domains: ['a.b'], preset: 'proxy', proxy: { url: 'https://10.0.0.1:8443/x' } },
  ],
  ['wildcard domain', 'Site', { ...SITE, domains: ['*.example.com'] }],
  ['tls with hsts', 'Site', { ...SITE, tls: { certificate: '/c', key: '/k', hsts: { maxAge: 600 } } }],
  [
    'CSP header with ; and quotes',
    'Site',
    { ...SITE, headers: { 'Content-Security-Policy': "default-src 'self'; img-src *" } },
  ],
  [
    'redirect to URL',
    'Site',
    { ...SITE, redirects: [{ from: '/a', to: 'https://b.example.com/c', status: 308 }] },
  ],
  ['extra directive', 'Site', { ...SITE, extraDirectives: ['gzip on', 'rewrite ^/(.*)$ /x/$1 last'] }],
  ['no domains', 'Site', { ...SITE, domains: [] }, 'spec.domains'],
  ['domain with underscore', 'Site', { ...SITE, domains: ['a_b.example.com'] }, 'spec.domains.0'],
  [
    'domain too long',
    'Site',
    { ...SITE, domains: [`${'a'.repeat(60)}.`.repeat(5) + 'com'] },
    'spec.domains.0',
  ],
  ['domain with trailing dash label', 'Site', { ...SITE, domains: ['a-.example.com'] }, 'spec.domains.0'],
  ['unknown preset', 'Site', { ...SITE, preset: 'cgi' }, 'spec.preset'],
  ['php preset without pool', 'Site', { ...SITE, preset: 'php' }, 'spec.php'],
  ['static with php', 'Site', { ...SITE, php: { pool: 'p' } }, 'spec.php'],
  ['proxy preset without proxy', 'Site', { domains: ['a.b'], preset: 'proxy' }, 'spec.proxy'],
  ['static with proxy', 'Site', { ...SITE, proxy: { url: 'http://a' } }, 'spec.proxy'],
  [
    'proxy with both program and url',
    'Site',
    { domains: ['a.b'], preset: 'proxy', proxy: { program: 'a', url: 'http://a' } },
    'spec.proxy',
  ],
  [
    'proxy url with a space',
    'Site',
    { domains: ['a.b'], preset: 'proxy', proxy: { url: 'http://a b' } },
    'spec.proxy.url',
  ],
  ['static without root', 'Site', { domains: ['a.b'], preset: 'static' }, 'spec.root'],
  ['relative root', 'Site', { ...SITE, root: 'srv/a' }, 'spec.root'],
  ['root with ..', 'Site', { ...SITE, root: '/srv/../etc' }, 'spec.root'],
  ['root with a space', 'Site', { ...SITE, root: '/srv/a b' }, 'spec.root'],
  ['index with a slash', 'Site', { ...SITE, index: ['a/b'] }, 'spec.index.0'],
  ['header value with "', 'Site', { ...SITE, headers: { X: 'a"b' } }, 'spec.headers.X'],
  ['header value with $', 'Site', { ...SITE, headers: { X: '$host' } }, 'spec.headers.X'],
  ['header name with a space', 'Site', { ...SITE, headers: { 'X Y': 'a' } }, 'spec.headers.X Y'],
  [
    'redirect from without /',
    'Site',
    { ...SITE, redirects: [{ from: 'a', to: '/b' }] },
    'spec.redirects.0.from',
  ],
  [
    'redirect status 303',
    'Site',
    { ...SITE, redirects: [{ from: '/a', to: '/b', status: 303 }] },
    'spec.redirects.0.status',
  ],
  ['body size too big', 'Site', { ...SITE, clientMaxBodySize: '11g' }, 'spec.clientMaxBodySize'],
  ['body size with a unit typo', 'Site', { ...SITE, clientMaxBodySize: '10mb' }, 'spec.clientMaxBodySize'],
  [
    'extra directive with ;',
    'Site',
    { ...SITE, extraDirectives: ['gzip on; root /'] },
    'spec.extraDirectives.0',
  ],
  [
    'extra directive opening a block',
    'Site',
    { ...SITE, extraDirectives: ['location / {'] },
    'spec.extraDirectives.0',
  ],
  [
    'extra directive ending in a backslash',
    'Site',
    { ...SITE, extraDirectives: ['root /srv\\'] },
    'spec.extraDirectives.0',
  ],
  [
    'extra directive with a backslash before a space',
    'Site',
    { ...SITE, extraDirectives: ['rewrite ^/a\\ b /c'] },
    'spec.extraDirectives.0',
  ],
  [
    'extra directive with a backslash before a backslash',
    'Site',
    { ...SITE, extraDirectives: ['rewrite ^/a\\\\ /c'] },
    'spec.extraDirectives.0',
  ],
  [
    'extra directive with a backslash before =',
    'Site',
    { ...SITE, extraDirectives: ['rewrite ^/a\\=b /c'] },
    'spec.extraDirectives.0',
  ],
  [
    'extra directive escaping a regex dot',
    'Site',
    { ...SITE, extraDirectives: ['rewrite ^/(.*)\\.php$ /$1 last'] },
  ],
  [
    'two redirects from the same path',
    'Site',
    {
      ...SITE,
      redirects: [
        { from: '/a', to: '/b' },
        { from: '/c', to: '/d' },
        { from: '/a', to: '/e' },
      ],
    },
    'spec.redirects.2.from',
  ],
  [
    'hsts true (needs a mapping or false)',
    'Site',
    { ...SITE, tls: { certificate: '/c', key: '/k', hsts: true } },
    'spec.tls.hsts',
  ],
  ['tls without key', 'Site', { ...SITE, tls: { certificate: '/c' } }, 'spec.tls.key'],
  ['health status 99', 'Site', { ...SITE, health: { expectStatus: 99 } }, 'spec.health.expectStatus'],
  ['listenPort 0', 'Site', { ...SITE, listenPort: 0 }, 'spec.listenPort'],

  ['pool defaults', 'Pool', POOL],
  ['static pm', 'Pool', { ...POOL, pm: { type: 'static', maxChildren: 10 } }],
  ['ondemand pm', 'Pool', { ...POOL, pm: { type: 'ondemand', maxChildren: 10, processIdleTimeout: '30s' } }],
  [
    'dynamic pm at the edges (min = start = max = children)',
    'Pool',
    { ...POOL, pm: { ...DYN, maxChildren: 3, minSpareServers: 3, maxSpareServers: 3, startServers: 3 } },
  ],
  ['tcp listen (unsafe opt-in)', 'Pool', { ...POOL, listen: { port: 9001, unsafe: true } }],
  ['slowlog within requestTimeout', 'Pool', { ...POOL, requestTimeout: '30s', slowlog: { timeout: '30s' } }],
  [
    'php admin values and flags',
    'Pool',
    {
      ...POOL,
      phpAdminValues: { memory_limit: '256M', 'session.save_path': '/var/lib/php/s' },
      phpAdminFlags: { display_errors: false },
    },
  ],
  ['secret env', 'Pool', { ...POOL, env: { DB_PASSWORD: { value: 'p$w;"x', secret: true } } }],
  ['php version 8', 'Pool', { php: '8' }, 'spec.php'],
  ['php version 8.2.1', 'Pool', { php: '8.2.1' }, 'spec.php'],
  ['php as a number', 'Pool', { php: 8.2 }, 'spec.php'],
  [
    'min spare > max spare',
    'Pool',
    { ...POOL, pm: { ...DYN, minSpareServers: 4 } },
    'spec.pm.minSpareServers',
  ],
  [
    'max spare > max children',
    'Pool',
    { ...POOL, pm: { ...DYN, maxSpareServers: 6 } },
    'spec.pm.maxSpareServers',
  ],
  [
    'start below min spare',
    'Pool',
    { ...POOL, pm: { ...DYN, minSpareServers: 2, startServers: 1 } },
    'spec.pm.startServers',
  ],
  ['start above max spare', 'Pool', { ...POOL, pm: { ...DYN, startServers: 4 } }, 'spec.pm.startServers'],
  ['max children 0', 'Pool', { ...POOL, pm: { type: 'static', maxChildren: 0 } }, 'spec.pm.maxChildren'],
  [
    'max children 1001',
    'Pool',
    { ...POOL, pm: { type: 'static', maxChildren: 1001 } },
    'spec.pm.maxChildren',
  ],
  ['unknown pm type', 'Pool', { ...POOL, pm: { type: 'adaptive', maxChildren: 1 } }, 'spec.pm.type'],
  [
    'ondemand idle timeout 0s',
    'Pool',
    { ...POOL, pm: { type: 'ondemand', maxChildren: 1, processIdleTimeout: '0s' } },
    'spec.pm.processIdleTimeout',
  ],
  [
    'slowlog longer than requestTimeout',
    'Pool',
    { ...POOL, requestTimeout: '10s', slowlog: { timeout: '20s' } },
    'spec.slowlog.timeout',
  ],
  ['listen mode 999', 'Pool', { ...POOL, listen: { mode: '999' } }, 'spec.listen.mode'],
  ['listen mode as a YAML number (0660 unquoted reads as 660)', 'Pool', { ...POOL, listen: { mode: 660 } }],
  ['listen mode 1660 (no special bits)', 'Pool', { ...POOL, listen: { mode: 1660 } }, 'spec.listen.mode'],
  ['listen mode as the number 999', 'Pool', { ...POOL, listen: { mode: 999 } }, 'spec.listen.mode'],
  ['listen mode as a fraction', 'Pool', { ...POOL, listen: { mode: 6.6 } }, 'spec.listen.mode'],
  [
    'listen on all interfaces',
    'Pool',
    { ...POOL, listen: { address: '0.0.0.0', port: 9000 } },
    'spec.listen',
  ],
  [
    'php admin value with ;',
    'Pool',
    { ...POOL, phpAdminValues: { memory_limit: '1G;x' } },
    'spec.phpAdminValues.memory_limit',
  ],
  [
    'php admin key with a space',
    'Pool',
    { ...POOL, phpAdminValues: { 'memory limit': '1G' } },
    'spec.phpAdminValues.memory limit',
  ],
  ['env key starting with a digit', 'Pool', { ...POOL, env: { '1A': 'x' } }, 'spec.env.1A'],
  ['env value with a newline', 'Pool', { ...POOL, env: { A: 'x\ny' } }, 'spec.env.A'],
  ['user with uppercase', 'Pool', { ...POOL, user: 'Www' }, 'spec.user'],
  ['pool as root', 'Pool', { ...POOL, user: 'root' }, 'spec.user'],
  ['pool with group docker', 'Pool', { ...POOL, group: 'docker' }, 'spec.group'],
  ['ping response with a space', 'Pool', { ...POOL, health: { response: 'po ng' } }, 'spec.health.response'],
  ['maxRequests -1', 'Pool', { ...POOL, maxRequests: -1 }, 'spec.maxRequests'],

  ['program minimal', 'Program', PROG],
  ['shell with one string', 'Program', { command: ['echo a; echo b'], shell: true }],
  ['auto port with instances', 'Program', { ...PROG, port: 'auto', instances: 4 }],
  ['explicit port range fits', 'Program', { ...PROG, port: 65534, instances: 2 }],
  ['SIG-prefixed stop signal', 'Program', { ...PROG, stop: { signal: 'SIGINT', timeout: '5s' } }],
  [
    'tcp, http and exec probes',
    'Program',
    { ...PROG, health: { type: 'http', path: '/up', interval: '5s', mode: 'readiness' } },
  ],
  ['exec probe', 'Program', { ...PROG, health: { type: 'exec', command: ['check', '--fast'] } }],
  ['root with allowRoot', 'Program', { ...PROG, user: 'root', allowRoot: true }],
  ['supervisord backend', 'Program', { ...PROG, backend: 'supervisord', user: 'www-data' }],
  [
    'supervisord backend as root with allowRoot',
    'Program',
    { ...PROG, backend: 'supervisord', allowRoot: true },
  ],
  ['empty command', 'Program', { command: [] }, 'spec.command'],
  ['empty argv element', 'Program', { command: ['x', ''] }, 'spec.command.1'],
  ['argv with a newline', 'Program', { command: ['x\ny'] }, 'spec.command.0'],
  ['command as a string', 'Program', { command: 'php artisan' }, 'spec.command'],
  ['shell with two elements', 'Program', { command: ['a', 'b'], shell: true }, 'spec.command'],
  ['root without allowRoot', 'Program', { ...PROG, user: 'root' }, 'spec.user'],
  ['supervisord backend without a user', 'Program', { ...PROG, backend: 'supervisord' }, 'spec.user'],
  ['group shadow without allowRoot', 'Program', { ...PROG, user: 'www-data', group: 'shadow' }, 'spec.group'],
  ['port range past 65535', 'Program', { ...PROG, port: 65535, instances: 2 }, 'spec.port'],
  ['dependsOn twice', 'Program', { ...PROG, dependsOn: ['a', 'a'] }, 'spec.dependsOn'],
  ['dependsOn not a name', 'Program', { ...PROG, dependsOn: ['A_b'] }, 'spec.dependsOn.0'],
  ['instances 0', 'Program', { ...PROG, instances: 0 }, 'spec.instances'],
  ['restart sometimes', 'Program', { ...PROG, restart: 'sometimes' }, 'spec.restart'],
  ['unknown signal', 'Program', { ...PROG, stop: { signal: 'FOO' } }, 'spec.stop.signal'],
  ['backoff initial 1ms', 'Program', { ...PROG, backoff: { initial: '1ms' } }, 'spec.backoff.initial'],
  ['logs maxSize 0', 'Program', { ...PROG, logs: { maxSize: '0' } }, 'spec.logs.maxSize'],
  ['unknown probe type', 'Program', { ...PROG, health: { type: 'grpc' } }, 'spec.health.type'],
  [
    'probe interval 0s',
    'Program',
    { ...PROG, health: { type: 'tcp', interval: '0s' } },
    'spec.health.interval',
  ],
  ['probe path without /', 'Program', { ...PROG, health: { type: 'http', path: 'up' } }, 'spec.health.path'],
  [
    'exec probe without command',
    'Program',
    { ...PROG, health: { type: 'exec', command: [] } },
    'spec.health.command',
  ],
  ['relative directory', 'Program', { ...PROG, directory: 'srv' }, 'spec.directory'],
  ['unknown backend', 'Program', { ...PROG, backend: 'systemd' }, 'spec.backend'],

  ['terminal minimal', 'Terminal', { user: 'deploy' }],
  ['root terminal with allowRoot', 'Terminal', { user: 'root', allowRoot: true }],
  [
    'terminal fully specified',
    'Terminal',
    {
      user: 'deploy',
      port: 7681,
      bind: '::1',
      mode: 'read-write',
      expiresAt: '2030-01-01T10:00:00+02:00',
      backend: 'ttyd',
      maxSessions: 50,
    },
  ],
  ['root terminal without allowRoot', 'Terminal', { user: 'root' }, 'spec.user'],
  ['terminal without user', 'Terminal', {}, 'spec.user'],
  ['bind on all interfaces', 'Terminal', { user: 'deploy', bind: '0.0.0.0' }, 'spec.bind'],
  ['mode rw', 'Terminal', { user: 'deploy', mode: 'rw' }, 'spec.mode'],
  ['idle timeout 5s', 'Terminal', { user: 'deploy', idleTimeout: '5s' }, 'spec.idleTimeout'],
  ['session 8d', 'Terminal', { user: 'deploy', maxSessionDuration: '8d' }, 'spec.maxSessionDuration'],
  ['expiresAt tomorrow', 'Terminal', { user: 'deploy', expiresAt: 'tomorrow' }, 'spec.expiresAt'],
  [
    'expiresAt without a time zone',
    'Terminal',
    { user: 'deploy', expiresAt: '2030-01-01T10:00:00' },
    'spec.expiresAt',
  ],
  ['relative shell', 'Terminal', { user: 'deploy', shell: 'bash' }, 'spec.shell'],
  ['terminal port 0', 'Terminal', { user: 'deploy', port: 0 }, 'spec.port'],
  ['unknown backend', 'Terminal', { user: 'deploy', backend: 'gotty' }, 'spec.backend'],
];

for (const [name, kind, spec, issueAt] of ROWS)
  test(`${kind}: ${name} is ${issueAt ? `rejected at ${issueAt}` : 'valid'}`, () => {
    const r = SCHEMAS[kind].safeParse(doc(kind, spec));
    if (!issueAt) return assert.ok(r.success, JSON.stringify(r.error?.issues));
    assert.ok(!r.success, 'expected a rejection');
    const paths = r.error.issues.map((i) => i.path.join('.'));
    assert.ok(paths.includes(issueAt), `issue paths: ${paths.join(', ')}`);
  });

const META: [string, unknown, string | undefined][] = [
  ['a plain name', { name: 'shop-2' }, undefined],
  ['labels', { name: 'a', labels: { team: 'web', 'app.kubernetes.io/name': 'x' } }, undefined],
  ['uppercase name', { name: 'Shop' }, 'metadata.name'],
  ['leading dash', { name: '-a' }, 'metadata.name'],
  ['64 characters', { name: 'a'.repeat(64) }, 'metadata.name'],
  ['empty name', { name: '' }, 'metadata.name'],
  ['no name', {}, 'metadata.name'],
  ['label value with a space', { name: 'a', labels: { team: 'a b' } }, 'metadata.labels.team'],
  ['label key with uppercase', { name: 'a', labels: { Team: 'a' } }, 'metadata.labels.Team'],
  ['unknown metadata key', { name: 'a', annotations: {} }, 'metadata'],
];
for (const [name, metadata, issueAt] of META)
  test(`envelope: ${name} is ${issueAt ? `rejected at ${issueAt}` : 'valid'}`, () => {
    const r = SCHEMAS.Program.safeParse(doc('Program', PROG, metadata));
    if (!issueAt) return assert.ok(r.success, JSON.stringify(r.error?.issues));
    assert.ok(!r.success);
    assert.ok(r.error.issues.some((i) => i.path.join('.') === issueAt));
  });

const POOL_NAMES: [string, string | undefined][] = [
  ['shop', undefined],
  ['www2', undefined],
  ['global', 'php-fpm reserves [global]'],
  ['www', "Debian's default pool is [www]"],
];
for (const [name, why] of POOL_NAMES)
  test(`Pool named ${name} is ${why ? 'refused' : 'valid'}`, () => {
    const r = SCHEMAS.Pool.safeParse(doc('Pool', POOL, { name }));
    if (!why) return assert.ok(r.success, JSON.stringify(r.error?.issues));
    assert.ok(!r.success);
    const issue = r.error.issues.find((i) => i.path.join('.') === 'metadata.name');
    assert.ok(issue?.message.includes(why), issue?.message);
    assert.ok(SCHEMAS.Site.safeParse(doc('Site', SITE, { name })).success, 'only Pools reserve it');
  });

const MODES: [mode: unknown, expected: string][] = [
  [660, '0660'],
  [640, '0640'],
  [7, '0007'],
  [666, '0666'],
  ['0660', '0660'],
  ['600', '600'],
];
for (const [mode, expected] of MODES)
  test(`Pool listen.mode ${JSON.stringify(mode)} becomes "${expected}"`, () => {
    const r = SCHEMAS.Pool.parse(doc('Pool', { ...POOL, listen: { mode, unsafe: true } }));
    assert.ok(r.kind === 'Pool' && 'mode' in r.spec.listen);
    assert.equal(r.spec.listen.mode, expected);
  });

test('envelope: wrong apiVersion and a kind mismatch are rejected', () => {
  assert.ok(!SCHEMAS.Program.safeParse({ ...doc('Program', PROG), apiVersion: 'tend/v2' }).success);
  assert.ok(!SCHEMAS.Program.safeParse(doc('Site', PROG)).success);
});

test('defaults fill in what operators leave out', () => {
  const r = SCHEMAS.Terminal.parse(doc('Terminal', { user: 'deploy' }));
  assert.equal(r.kind, 'Terminal');
  if (r.kind !== 'Terminal') return;
  assert.deepEqual(
    [r.spec.bind, r.spec.mode, r.spec.port, r.spec.maxSessions, r.spec.backend],
    ['127.0.0.1', 'read-only', 'auto', 2, 'builtin'],
  );
  const p = SCHEMAS.Program.parse(doc('Program', { ...PROG, stop: { signal: 'SIGINT' } }));
  assert.ok(p.kind === 'Program' && p.spec.stop.signal === 'INT' && p.spec.restart === 'always');
});
