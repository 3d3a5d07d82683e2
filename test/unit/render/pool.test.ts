// renderPool behaviour beyond the goldens: pm arithmetic, secrets, modes, owners per profile, refusals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTendError } from '../../../src/errors/catalogue.js';
import { loadTemplates } from '../../../src/host/templates.js';
import { embeddedLayout, systemLayout, type Layout } from '../../../src/layout/index.js';
import type { Pool } from '../../../src/model/index.js';
import { renderPool, type RenderContext } from '../../../src/render/index.js';
import { resource } from './fixtures.js';

const ctxOf = (layout: Layout = embeddedLayout('/srv/tend')): RenderContext => ({
  layout,
  resources: new Map(),
  templates: loadTemplates(),
});
const pool = (spec: Record<string, unknown>, name = 'p') =>
  resource('Pool', name, { php: '8.2', ...spec }) as Pool;
const text = (p: Pool, layout?: Layout) => renderPool(p, ctxOf(layout)).files[0]!.content;

test('pm.start_servers defaults to min + (max - min) / 2, as php-fpm computes it', () => {
  const cases: [number, number, number][] = [
    [1, 3, 2],
    [2, 9, 5],
    [4, 4, 4],
    [1, 2, 1],
  ];
  for (const [min, max, start] of cases) {
    const out = text(
      pool({ pm: { type: 'dynamic', maxChildren: 10, minSpareServers: min, maxSpareServers: max } }),
    );
    assert.match(out, new RegExp(`^pm.start_servers = ${start}$`, 'm'), `${min}/${max}`);
  }
  assert.match(
    text(
      pool({
        pm: { type: 'dynamic', maxChildren: 10, minSpareServers: 1, maxSpareServers: 5, startServers: 4 },
      }),
    ),
    /^pm.start_servers = 4$/m,
  );
});

test('static and ondemand write only their own pm keys', () => {
  const stat = text(pool({ pm: { type: 'static', maxChildren: 3 } }));
  assert.match(stat, /^pm = static$/m);
  assert.doesNotMatch(stat, /spare|start_servers|process_idle/);
  const od = text(pool({ pm: { type: 'ondemand', maxChildren: 3, processIdleTimeout: '2m' } }));
  assert.match(od, /^pm.process_idle_timeout = 120s$/m);
  assert.doesNotMatch(od, /spare|start_servers/);
});

test('secret env values are listed in secrets and make the file private; plain ones do not', () => {
  const r = renderPool(
    pool({ env: { A: 'public', B: { value: 's3cr3t' }, C: { value: 'shown', secret: false } } }),
    ctxOf(),
  );
  const f = r.files[0]!;
  assert.deepEqual(f.secrets, ['s3cr3t']);
  assert.equal(f.mode, 0o600);
  assert.match(f.content, /^env\[B\] = "s3cr3t"$/m);
  const plain = renderPool(pool({ env: { A: 'public' } }), ctxOf()).files[0]!;
  assert.deepEqual(plain.secrets, []);
  assert.equal(plain.mode, 0o644);
});

test('an empty env value is refused: php-fpm rejects it with "empty value"', () => {
  assert.throws(
    () => renderPool(pool({ env: { EMPTY: '' } }), ctxOf()),
    (e: unknown) => isTendError(e, 'TEND_ERR_UNSAFE_VALUE') && /env\[EMPTY\]/.test(e.message),
  );
});

test('socket ownership: system profile defaults to www-data, embedded leaves it to the running user', () => {
  const sys = text(pool({}), systemLayout('/'));
  assert.match(sys, /^listen.owner = www-data$/m);
  assert.match(sys, /^listen.group = www-data$/m);
  const emb = text(pool({}));
  assert.doesNotMatch(emb, /listen\.(owner|group)/);
  assert.match(emb, /^listen.mode = 0660$/m);
  const own = text(pool({ listen: { owner: 'nginx', group: 'web' } }), systemLayout('/'));
  assert.match(own, /^listen.owner = nginx$/m);
  assert.match(own, /^listen.group = web$/m);
});

test('service, path, outputs and the directories php-fpm needs', () => {
  const r = renderPool(pool({ slowlog: { timeout: '3s' } }, 'shop'), ctxOf());
  assert.equal(r.files[0]!.service, 'php-fpm@8.2');
  assert.equal(r.files[0]!.path, '/srv/tend/php/8.2/pool.d/shop.conf');
  assert.deepEqual(r.outputs, { socket: '/srv/tend/run/php/8.2-shop.sock' });
  assert.deepEqual(r.directories, ['/srv/tend/run/php', '/srv/tend/log/php']);
  assert.match(r.files[0]!.content, /^slowlog = "\/srv\/tend\/log\/php\/8\.2-shop\.slow\.log"$/m);
  assert.ok(r.files[0]!.content.startsWith('; managed by tend: Pool/shop '));
  assert.doesNotMatch(r.files[0]!.content, /^#/m, 'php-fpm rejects # comments');
});

test('hostile values smuggled past the model are refused, never rendered', () => {
  const base = pool({});
  const mutations: ((p: Pool) => void)[] = [
    (p) => (p.metadata.name = 'global'),
    (p) => (p.metadata.name = 'x]\n[global'),
    (p) => (p.spec.user = 'www-data\nuser = root'),
    (p) => (p.spec.env = { 'A]': 'x' }),
    (p) => (p.spec.env = { A: 'x\n[global]' }),
    (p) => (p.spec.env = { A: { value: 'x\u0000', secret: true } }),
    (p) => (p.spec.phpAdminValues = { 'open_basedir]': '/' }),
    (p) => (p.spec.phpAdminValues = { memory_limit: '1\nphp_admin_value[x] = y' }),
    (p) => (p.spec.chdir = '/srv/../etc'),
    (p) => (p.spec.requestTimeout = '30s\n'),
    (p) => (p.spec.health = { ping: '/ping\n', response: 'pong', statusPath: '/fpm-status' }),
    (p) => (p.spec.health = { ping: '/ping', response: 'pong', statusPath: '/fpm-status\n' }),
    (p) => (p.spec.listen = { socket: true, mode: '0660\n' }),
  ];
  for (const mutate of mutations) {
    const p = structuredClone(base);
    mutate(p);
    assert.throws(
      () => renderPool(p, ctxOf()),
      (e: unknown) => isTendError(e, 'TEND_ERR_UNSAFE_VALUE'),
      mutate.toString(),
    );
  }
});
