// The vhost marker (decision 0032): with the host's probe secret, every server block of a Site
// names the Site in X-Tend-Site only for a request carrying that secret; without one, nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadTemplates } from '../../../src/host/templates.js';
import { embeddedLayout } from '../../../src/layout/index.js';
import { keyOf, type Site } from '../../../src/model/index.js';
import { renderSite, type RenderContext } from '../../../src/render/index.js';
import { resource } from './fixtures.js';

const SECRET = '0123456789abcdef0123456789abcdef';
const ctxFor = (s: Site, probeSecret?: string): RenderContext => ({
  layout: embeddedLayout('/srv/tend'),
  resources: new Map([[keyOf(s), s]]),
  templates: loadTemplates(),
  ...(probeSecret !== undefined ? { probeSecret } : {}),
});

test('every server block of a Site carries the marker, keyed to the secret, named after the Site', () => {
  const s = resource('Site', 'my-shop', {
    domains: ['shop.example.com'],
    preset: 'static',
    root: '/srv/shop',
    tls: { certificate: '/etc/ssl/shop.pem', key: '/etc/ssl/shop.key', redirect: true },
  }) as Site;
  const vhost = renderSite(s, ctxFor(s, SECRET)).files[0]!.content;
  assert.ok(vhost.includes('map $http_x_tend_probe $tend_probe_my_shop {'), vhost);
  assert.ok(vhost.includes(`    "${SECRET}" "my-shop";\n`), vhost);
  assert.ok(vhost.includes('    default "";\n'), vhost);
  // The plain-HTTP redirect server and the TLS server both answer for the Site.
  assert.equal(vhost.split('add_header X-Tend-Site $tend_probe_my_shop always;').length - 1, 2, vhost);
});

test('no secret (a read-only plan before the first apply) or a malformed one renders no marker', () => {
  const s = resource('Site', 'docs', {
    domains: ['docs.example.com'],
    preset: 'static',
    root: '/srv/docs',
  }) as Site;
  for (const secret of [undefined, 'not-hex"; return 200 "x']) {
    const vhost = renderSite(s, ctxFor(s, secret)).files[0]!.content;
    assert.doesNotMatch(vhost, /X-Tend-Site|tend_probe/);
  }
});
