// An ACME Site renders plain HTTP with tend's challenge location until its certificate exists, then
// HTTPS (and the redirect) naming the issued files; the challenge location is there for every preset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTemplates } from '../../../src/host/templates.js';
import { embeddedLayout } from '../../../src/layout/index.js';
import { keyOf, type Resource, type Site } from '../../../src/model/index.js';
import { renderSite, type RenderContext } from '../../../src/render/index.js';
import { resource } from '../render/fixtures.js';

const layout = embeddedLayout('/srv/tend');
const pool = resource('Pool', 'app', { php: '8.2' });
const program = resource('Program', 'api', { command: ['x'], port: 3000 });
const SPECS: Record<string, Record<string, unknown>> = {
  static: { preset: 'static', root: '/srv/www/s' },
  spa: { preset: 'spa', root: '/srv/www/s' },
  php: { preset: 'php', root: '/srv/www/s', php: { pool: 'app' } },
  laravel: { preset: 'laravel', root: '/srv/www/s/public', php: { pool: 'app' } },
  wordpress: { preset: 'wordpress', root: '/srv/www/s', php: { pool: 'app' } },
  proxy: { preset: 'proxy', proxy: { program: 'api' } },
  'proxy-url': { preset: 'proxy', proxy: { url: 'http://127.0.0.1:9000' } },
};
const ctx = (
  sites: Resource[],
  certs: Record<string, { certificate: string; key: string }> = {},
): RenderContext => ({
  layout,
  resources: new Map([...sites, pool, program].map((r) => [keyOf(r), r])),
  templates: loadTemplates(),
  acmeChallengeDir: '/srv/tend/acme-challenge',
  acmeCertificates: new Map(Object.entries(certs)),
});
const CHALLENGE = 'location ^~ /.well-known/acme-challenge/ {\n        alias /srv/tend/acme-challenge/;';

for (const [name, spec] of Object.entries(SPECS))
  test(`${name}: plain HTTP with the challenge until the certificate exists, then HTTPS and the redirect`, () => {
    const site = resource('Site', 's', {
      domains: ['s.example.com'],
      tls: { acme: {}, redirect: true },
      ...spec,
    }) as Site;
    const before = renderSite(site, ctx([site])).files[0]!.content;
    assert.ok(before.includes(CHALLENGE), before);
    assert.doesNotMatch(before, /ssl_certificate|return 301 https/);
    // The challenge location comes before every preset route (proxy's location / included).
    assert.ok(before.indexOf(CHALLENGE) < before.indexOf('location /'), before);
    const cert = {
      certificate: '/srv/tend/state/acme/certs/s/ab.crt',
      key: '/srv/tend/state/acme/certs/s/ab.key',
    };
    const rendered = renderSite(site, ctx([site], { s: cert }));
    const after = rendered.files[0]!.content;
    assert.ok(after.includes(`ssl_certificate ${cert.certificate};`), after);
    assert.ok(after.includes(`ssl_certificate_key ${cert.key};`));
    assert.ok(after.includes('return 301 https://$host:8443$request_uri;'));
    const http = after.slice(0, after.indexOf('ssl http2'));
    assert.ok(
      http.indexOf(CHALLENGE) < http.indexOf('return 301'),
      'the challenge is answered, not redirected',
    );
    assert.equal(rendered.outputs.url, 'https://s.example.com:8443/');
  });

test('a file-based TLS Site renders exactly as before (no challenge location of tend)', () => {
  const site = resource('Site', 'f', {
    domains: ['f.example.com'],
    preset: 'static',
    root: '/srv/www/f',
    tls: { certificate: '/etc/ssl/f.pem', key: '/etc/ssl/f.key' },
  }) as Site;
  const out = renderSite(site, ctx([site])).files[0]!.content;
  assert.doesNotMatch(out, /acme-challenge\/;/);
  assert.ok(out.includes('ssl_certificate /etc/ssl/f.pem;'));
});

test('system profile: TLS on 443 with Mozilla intermediate ssl_* settings; embedded keeps nginx defaults', async () => {
  const { systemLayout } = await import('../../../src/layout/index.js');
  const site = resource('Site', 's', {
    domains: ['s.example.com'],
    preset: 'static',
    root: '/srv/www/s',
    tls: { acme: {} },
  }) as Site;
  const cert = {
    s: { certificate: '/var/lib/tend/acme/certs/s/a.crt', key: '/var/lib/tend/acme/certs/s/a.key' },
  };
  const sys = renderSite(site, { ...ctx([site], cert), layout: systemLayout('/') });
  const out = sys.files[0]!.content;
  assert.match(
    out,
    /listen 0\.0\.0\.0:443 ssl http2;|listen \[?[0-9a-f:.]*\]?:?443 ssl http2;|listen 443 ssl http2;/,
  );
  assert.ok(out.includes('ssl_protocols TLSv1.2 TLSv1.3;'));
  assert.ok(out.includes('ssl_prefer_server_ciphers off;'));
  assert.ok(out.includes('ssl_session_tickets off;'));
  assert.equal(sys.outputs.url, 'https://s.example.com/');
  const emb = renderSite(site, ctx([site], cert)).files[0]!.content;
  assert.doesNotMatch(emb, /ssl_protocols/);
});
