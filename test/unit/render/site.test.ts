// renderSite behaviour beyond the goldens: references, ports, the shared socket path, TLS ports,
// outputs, links and refusals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTendError } from '../../../src/errors/catalogue.js';
import { loadTemplates } from '../../../src/host/templates.js';
import { embeddedLayout, systemLayout, type Layout } from '../../../src/layout/index.js';
import { keyOf, type Resource, type Site } from '../../../src/model/index.js';
import { renderNginxMainConfig } from '../../../src/drivers/nginx/main-config.js';
import { FASTCGI_PARAMS } from '../../../src/render/fastcgi-params.js';
import { renderPool, renderSite, type RenderContext } from '../../../src/render/index.js';
import { resource } from './fixtures.js';

const ctxOf = (
  resources: Resource[],
  layout: Layout = embeddedLayout('/srv/tend'),
  ports: Record<string, number[]> = {},
): RenderContext => ({
  layout,
  resources: new Map(resources.map((r) => [keyOf(r), r])),
  programPorts: new Map(Object.entries(ports)),
  templates: loadTemplates(),
});
const site = (name: string, spec: Record<string, unknown>) =>
  resource('Site', name, { domains: [`${name}.example.com`], ...spec }) as Site;
const pool = resource('Pool', 'app', { php: '8.3' });

test('the vhost passes FastCGI to exactly the socket the pool listens on, in both profiles', () => {
  for (const layout of [embeddedLayout('/srv/tend'), systemLayout('/')]) {
    const s = site('shop', { preset: 'laravel', root: '/srv/shop/public', php: { pool: 'app' } });
    const ctx = ctxOf([s, pool], layout);
    const socket = renderPool(pool as never, ctx).outputs.socket;
    assert.equal(socket, layout.php.socket('8.3', 'app'));
    const vhost = renderSite(s, ctx).files[0]!.content;
    assert.ok(vhost.includes(`set $tend_fastcgi unix:${socket};\n`), vhost);
    assert.ok(vhost.includes('fastcgi_pass $tend_fastcgi;'));
  }
});

test('FastCGI params: inherited from the embedded nginx.conf, written out where they cannot be', () => {
  const main = renderNginxMainConfig(embeddedLayout('/srv/tend'));
  for (const p of FASTCGI_PARAMS) assert.ok(main.includes(`    fastcgi_param ${p};\n`), p);
  const paramsIn = (vhost: string) => vhost.split('\n').filter((l) => /^\s*fastcgi_param /.test(l)).length;
  const php = { preset: 'php', root: '/srv/shop', php: { pool: 'app' } };

  const embedded = renderSite(site('shop', php), ctxOf([pool])).files[0]!.content;
  assert.equal(paramsIn(embedded), 0, 'the location inherits the http-level list');
  const system = renderSite(site('shop', php), ctxOf([pool], systemLayout('/'))).files[0]!.content;
  assert.equal(paramsIn(system), FASTCGI_PARAMS.length, "Debian's nginx.conf sets none");
  // A server-level fastcgi_param would stop the location inheriting: the list is written out again.
  const hatch = site('shop', { ...php, extraDirectives: ['fastcgi_param APP_ENV production'] });
  const withHatch = renderSite(hatch, ctxOf([pool])).files[0]!.content;
  assert.equal(paramsIn(withHatch), FASTCGI_PARAMS.length + 1);
});

test('a TCP pool is reached over 127.0.0.1:port and the pool publishes that address', () => {
  const tcp = resource('Pool', 'tcp', { php: '8.2', listen: { port: 9100, unsafe: true } });
  const s = site('legacy', { preset: 'php', root: '/srv/legacy', php: { pool: 'tcp' } });
  const ctx = ctxOf([s, tcp]);
  assert.ok(renderSite(s, ctx).files[0]!.content.includes('fastcgi_pass 127.0.0.1:9100;'));
  assert.deepEqual(renderPool(tcp as never, ctx).outputs, { listen: '127.0.0.1:9100' });
});

test('a missing pool or program is a reference error naming both ends', () => {
  const s = site('shop', { preset: 'php', root: '/srv/shop', php: { pool: 'nope' } });
  assert.throws(
    () => renderSite(s, ctxOf([s])),
    (e: unknown) =>
      isTendError(e, 'TEND_ERR_REFERENCE') && /Site\/shop/.test(e.message) && /Pool\/nope/.test(e.message),
  );
  const p = site('px', { preset: 'proxy', proxy: { program: 'gone' } });
  assert.throws(
    () => renderSite(p, ctxOf([p])),
    (e: unknown) => isTendError(e, 'TEND_ERR_REFERENCE') && /Program\/gone/.test(e.message),
  );
});

test('proxying to a port: auto program needs its allocated port', () => {
  const prog = resource('Program', 'web', { command: ['node'], port: 'auto' });
  const p = site('px', { preset: 'proxy', proxy: { program: 'web' } });
  assert.throws(
    () => renderSite(p, ctxOf([p, prog])),
    (e: unknown) => isTendError(e, 'TEND_ERR_REFERENCE') && /no port has been allocated/.test(e.message),
  );
  const content = renderSite(p, ctxOf([p, prog], undefined, { web: [41234] })).files[0]!.content;
  assert.ok(content.includes('proxy_pass http://127.0.0.1:41234;'));
  assert.ok(!content.includes('upstream'));
});

test('the upstream lists exactly the port leased to each instance, contiguous or not', () => {
  const prog = resource('Program', 'api', { command: ['node'], port: 'auto', instances: 3 });
  const p = site('px', { preset: 'proxy', proxy: { program: 'api' } });
  // Leases are per instance (Program/api#i): a port taken by something else leaves a gap.
  const leased = [20000, 20007, 20002, 20011];
  const content = renderSite(p, ctxOf([p, prog], undefined, { api: leased })).files[0]!.content;
  for (const port of leased.slice(0, 3)) assert.ok(content.includes(`server 127.0.0.1:${port};`), content);
  assert.ok(!content.includes('20001') && !content.includes('20011'), 'no base + i, no stale lease');
  assert.throws(
    () => renderSite(p, ctxOf([p, prog], undefined, { api: [20000, 20007] })),
    (e: unknown) => isTendError(e, 'TEND_ERR_REFERENCE') && /every instance/.test(e.message),
    'an instance without a lease yet',
  );
  const fixed = resource('Program', 'api', { command: ['node'], port: 3100, instances: 2 });
  const f = renderSite(p, ctxOf([p, fixed])).files[0]!.content;
  assert.ok(f.includes('server 127.0.0.1:3100;') && f.includes('server 127.0.0.1:3101;'), 'fixed: port + i');
});

test('a program without any port cannot be proxied to', () => {
  const prog = resource('Program', 'worker', { command: ['php', 'artisan', 'queue:work'] });
  const p = site('px', { preset: 'proxy', proxy: { program: 'worker' } });
  assert.throws(
    () => renderSite(p, ctxOf([p, prog])),
    (e: unknown) => isTendError(e, 'TEND_ERR_REFERENCE') && /has no port/.test(e.message),
  );
});

test('websockets add HTTP/1.1 and the Upgrade/Connection pair; without them neither appears', () => {
  const on = renderSite(site('a', { preset: 'proxy', proxy: { url: 'http://127.0.0.1:3000' } }), ctxOf([]))
    .files[0]!.content;
  assert.match(on, /proxy_http_version 1\.1;/);
  assert.match(on, /proxy_set_header Upgrade \$http_upgrade;/);
  assert.match(on, /proxy_set_header Connection \$tend_connection;/);
  assert.match(on, /proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
  const off = renderSite(
    site('b', { preset: 'proxy', proxy: { url: 'http://127.0.0.1:3000', websockets: false } }),
    ctxOf([]),
  ).files[0]!.content;
  assert.doesNotMatch(off, /Upgrade|tend_connection|proxy_http_version/);
});

test('TLS: redirect carries a non-default port, is omitted on 443, and HSTS only on the TLS server', () => {
  const tls = { certificate: '/etc/ssl/c.pem', key: '/etc/ssl/k.pem', hsts: { maxAge: 600 } };
  const s = site('sec', { preset: 'static', root: '/srv/sec', tls });
  const embedded = renderSite(s, ctxOf([s]));
  assert.match(embedded.files[0]!.content, /return 301 https:\/\/\$host:8443\$request_uri;/);
  assert.equal(embedded.outputs.url, 'https://sec.example.com:8443/');
  const system = renderSite(s, ctxOf([s], systemLayout('/')));
  const text = system.files[0]!.content;
  assert.match(text, /return 301 https:\/\/\$host\$request_uri;/);
  assert.match(text, /listen 0\.0\.0\.0:443 ssl http2;/);
  assert.equal(system.outputs.url, 'https://sec.example.com/');
  const [, plain, secure] = text.split('\nserver {');
  assert.doesNotMatch(plain!, /Strict-Transport-Security/);
  assert.match(secure!, /add_header Strict-Transport-Security "max-age=600" always;/);
});

test('listenPort overrides the layout port; domains are lowercased and de-duplicated', () => {
  const s = site('x', {
    preset: 'static',
    root: '/srv/x',
    listenPort: 8181,
    domains: ['A.example.com', 'a.EXAMPLE.com', 'b.example.com'],
  });
  const r = renderSite(s, ctxOf([s]));
  assert.match(r.files[0]!.content, /listen 127\.0\.0\.1:8181;/);
  assert.match(r.files[0]!.content, /server_name a\.example\.com b\.example\.com;/);
  assert.equal(r.outputs.url, 'http://a.example.com:8181/');
});

test('the system profile links sites-enabled to sites-available; embedded has no link', () => {
  const s = site('corp', { preset: 'static', root: '/srv/corp' });
  const sys = systemLayout('/');
  assert.deepEqual(renderSite(s, ctxOf([s], sys)).links, [
    {
      path: '/etc/nginx/sites-enabled/corp.conf',
      target: '/etc/nginx/sites-available/corp.conf',
      service: 'nginx',
    },
  ]);
  const emb = renderSite(s, ctxOf([s]));
  assert.deepEqual(emb.links, []);
  assert.deepEqual(
    emb.files.map((f) => [f.path, f.mode, f.service, f.secrets]),
    [['/srv/tend/nginx/sites/corp.conf', 0o644, 'nginx', []]],
  );
  assert.deepEqual(emb.directories, ['/srv/tend/log/nginx']);
});

test('every file starts with the managed header naming its resource', () => {
  const s = site('corp', { preset: 'spa', root: '/srv/corp' });
  assert.ok(renderSite(s, ctxOf([s])).files[0]!.content.startsWith('# managed by tend: Site/corp '));
});

test('the same redirect source twice is refused by the model, and by the renderer if it slips past', () => {
  const twice = [
    { from: '/a', to: '/b' },
    { from: '/a', to: '/c' },
  ];
  assert.throws(() => site('r', { preset: 'static', root: '/srv/r', redirects: twice }), /listed twice/);
  const s = site('r', { preset: 'static', root: '/srv/r' });
  s.spec.redirects = twice.map((r) => ({ ...r, status: 301 as const }));
  assert.throws(
    () => renderSite(s, ctxOf([s])),
    (e: unknown) => isTendError(e, 'TEND_ERR_DUPLICATE'),
  );
});

test('hostile values smuggled past the model are refused, never rendered', () => {
  const base = site('h', { preset: 'static', root: '/srv/h' });
  const mutations: ((s: Site) => void)[] = [
    (s) => (s.spec.domains = ['evil.com;\n}']),
    (s) => (s.spec.root = '/srv/h;\ninclude /etc/passwd'),
    (s) => (s.spec.root = '/srv/../etc'),
    (s) => (s.spec.headers = { 'X-A': 'v\nY' }),
    (s) => (s.spec.headers = { 'X-A': '$request_uri' }),
    (s) => (s.spec.headers = { 'X-A b': 'v' }),
    (s) => (s.spec.redirects = [{ from: '/a { }', to: '/b', status: 301 }]),
    (s) => (s.spec.redirects = [{ from: '/a', to: '/b;\nreturn 200', status: 301 }]),
    (s) => (s.spec.extraDirectives = ['gzip on; include /etc/passwd']),
    (s) => (s.spec.clientMaxBodySize = '1m; x'),
    (s) => (s.spec.index = ['../../etc/passwd']),
    (s) => (s.spec.listenPort = 70000),
  ];
  for (const mutate of mutations) {
    const s = structuredClone(base);
    mutate(s);
    assert.throws(
      () => renderSite(s, ctxOf([s])),
      (e: unknown) => isTendError(e, 'TEND_ERR_UNSAFE_VALUE'),
      mutate.toString(),
    );
  }
});

test('a quote in a header value stays inside its quoted string', () => {
  const s = site('q', { preset: 'static', root: '/srv/q' });
  const hostile = structuredClone(s);
  hostile.spec.headers = { 'X-A': 'v"; add_header Y z' };
  assert.match(
    renderSite(hostile, ctxOf([hostile])).files[0]!.content,
    /add_header X-A "v\\"; add_header Y z" always;/,
  );
});
