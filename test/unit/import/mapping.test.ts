// The pure half of `tend import`: server blocks to Sites (preset, pool, escape hatch), pool and
// program sections to Pools and Programs, and the spellings the round trip treats as one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNginxConfig } from '../../../src/directives/nginx-config.js';
import { normaliseLine } from '../../../src/directives/normalise.js';
import { poolsFromFile } from '../../../src/import/pools.js';
import { programsFromFile } from '../../../src/import/programs.js';
import { shlexSplit } from '../../../src/directives/supervisord-words.js';
import { sitesFromConfig } from '../../../src/import/sites.js';

const ctx = {
  file: '/etc/nginx/sites-available/x.conf',
  baseName: 'x',
  listenPort: 80,
  poolsByListen: new Map([['/run/php/app.sock', 'app']]),
};
const server = (body: string) => sitesFromConfig(parseNginxConfig(`server {\n${body}\n}\n`), ctx);
const specOf = (body: string) => server(body).resources[0]?.document.spec as Record<string, unknown>;

test('the preset follows location / and where PHP goes', () => {
  const php = 'location ~ \\.php$ { fastcgi_pass unix:/run/php/app.sock; }';
  const cases: [string, string][] = [
    ['location / { try_files $uri $uri/ =404; }', 'static'],
    ['location / { try_files $uri $uri/ /index.html; }', 'spa'],
    [`location / { try_files $uri $uri/ /index.php?$query_string; } ${php}`, 'laravel'],
    [`location / { try_files $uri $uri/ /index.php?$args; } ${php}`, 'wordpress'],
    [`location / { try_files $uri $uri/ =404; } ${php}`, 'php'],
  ];
  for (const [locations, preset] of cases) {
    const spec = specOf(`server_name a.test; root /srv/a; ${locations}`);
    assert.equal(spec.preset, preset, locations);
    assert.equal(spec.adopt, true);
    if (preset !== 'static' && preset !== 'spa') assert.deepEqual(spec.php, { pool: 'app' });
  }
  const proxy = specOf(
    'server_name a.test; location / { proxy_pass http://127.0.0.1:3000; proxy_set_header Upgrade $http_upgrade; }',
  );
  assert.deepEqual(proxy.proxy, { url: 'http://127.0.0.1:3000', websockets: true });
});

test('allowlisted server directives go to extraDirectives; the rest get a reason by line', () => {
  const found = server('server_name a.test;\nroot /srv/a;\ngzip on;\nlua_code_cache off;\naccess_log /x;');
  const r = found.resources[0]!;
  assert.deepEqual((r.document.spec as { extraDirectives?: string[] }).extraDirectives, ['gzip on']);
  assert.match(r.reasons.get(5) ?? '', /runs code inside nginx/);
  assert.match(r.reasons.get(6) ?? '', /logs to files of its own layout/);
});

test('a catch-all, a missing pool or several ports refuse the server block, saying why', () => {
  assert.match(server('server_name _; root /srv/a;').refused[0]!.why, /catch-all/);
  assert.match(
    server('server_name a.test; root /srv/a; location ~ \\.php$ { fastcgi_pass unix:/run/php/other.sock; }')
      .refused[0]!.why,
    /no pool import read/,
  );
  assert.match(
    server('server_name a.test; root /srv/a; listen 80; listen 8080;').refused[0]!.why,
    /several ports/,
  );
});

test('a pool section: pm, admin values and flags map; php_value is listed; php-fpm defaults written out', () => {
  const { resources } = poolsFromFile(
    '[app]\nuser = www-data\nlisten = /run/php/app.sock\npm = ondemand\npm.max_children = 4\n' +
      'pm.process_idle_timeout = 20s\nphp_admin_value[memory_limit] = 64M\nphp_admin_flag[display_errors] = off\n' +
      'php_value[date.timezone] = UTC\nphp_admin_value[open_basedir] = /srv/a:/tmp\n',
    { file: '/p/app.conf', php: '8.2' },
  );
  const spec = resources[0]!.document.spec as Record<string, unknown>;
  assert.deepEqual(spec.pm, { type: 'ondemand', maxChildren: 4, processIdleTimeout: '20s' });
  assert.equal(spec.maxRequests, 0, "php-fpm's default, not tend's 500");
  assert.deepEqual(spec.phpAdminValues, { memory_limit: '64M' });
  assert.deepEqual(spec.phpAdminFlags, { display_errors: false });
  assert.deepEqual(spec.openBasedir, ['/srv/a', '/tmp']);
  assert.match(resources[0]!.reasons.get(9) ?? '', /phpAdminValues/);
});

test('supervisord commands split as supervisord splits them; [group:x] is not a Program', () => {
  assert.deepEqual(shlexSplit(`php "a b" 'c d' e\\ f`), ['php', 'a b', 'c d', 'e f']);
  assert.equal(shlexSplit('php "unclosed'), undefined);
  const { resources, refused } = programsFromFile(
    '[program:w]\ncommand=php artisan queue:work\nuser=www-data\nautorestart=unexpected\nenvironment=A="1",B=x\n[group:g]\nprograms=w\n',
    '/c/w.conf',
  );
  const spec = resources[0]!.document.spec as Record<string, unknown>;
  assert.deepEqual(spec.command, ['php', 'artisan', 'queue:work']);
  assert.equal(spec.restart, 'on-failure');
  assert.deepEqual(spec.env, { A: '1', B: 'x' });
  assert.match(refused[0]!.why, /only \[program:x\]/);
});

test('one setting spelled two ways compares equal; a default is dropped; the probe marker only on tend’s side', () => {
  assert.equal(
    normaliseLine('Site', 'server > listen 80'),
    normaliseLine('Site', 'server > listen 0.0.0.0:80'),
  );
  assert.equal(normaliseLine('Pool', 'request_terminate_timeout = 2m'), 'request_terminate_timeout = 120');
  assert.equal(normaliseLine('Pool', 'pm.max_requests = 0'), undefined);
  assert.equal(normaliseLine('Program', 'autostart = yes'), undefined);
  assert.equal(
    normaliseLine('Program', `command = 'php' 'a b'`),
    normaliseLine('Program', 'command = php "a b"'),
  );
  const marker = 'server > add_header X-Tend-Site $tend_probe_x always';
  assert.equal(normaliseLine('Site', marker, true), undefined);
  assert.equal(normaliseLine('Site', marker, false), marker, "a host's own line is always compared");
});
