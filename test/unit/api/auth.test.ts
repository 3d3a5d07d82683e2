// Auth refusals: no token configured, missing or wrong token, reads on a network bind, the Host guard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerToken, isLoopbackHostHeader } from '../../../src/api/auth.js';
import { buildServer } from '../../../src/api/server.js';
import { isTendError } from '../../../src/errors/catalogue.js';
import { FakeDeps } from './fake-deps.js';

const TOKEN = 'test-token-0123456789abcdef';
const reconcile = (headers: Record<string, string> = {}) => ({
  method: 'POST' as const,
  url: '/v1/reconcile',
  headers,
  payload: { resource: 'Site/shop' },
});

test('without a configured token every mutation is refused with a how-to message', async (t) => {
  const deps = new FakeDeps();
  const app = buildServer(deps);
  t.after(() => app.close());
  const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer anything-at-all-123456' }];
  for (const headers of attempts) {
    const res = await app.inject(reconcile(headers));
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'TEND_ERR_AUTH');
    assert.match(res.json().error.message, /--token-file/);
  }
  assert.equal((await app.inject('/v1/resources')).statusCode, 200, 'loopback reads stay open');
  assert.deepEqual(deps.reconcileCalls, []);
});

test('a missing or wrong token answers 401 with WWW-Authenticate: Bearer', async (t) => {
  const deps = new FakeDeps();
  const app = buildServer(deps, { token: TOKEN });
  t.after(() => app.close());
  const cases: Array<Record<string, string>> = [
    {},
    { authorization: 'Bearer wrong-token-0123456789abcdef' },
    { authorization: `Bearer ${TOKEN}x` },
    { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` },
  ];
  for (const headers of cases) {
    const res = await app.inject(reconcile(headers));
    assert.equal(res.statusCode, 401, JSON.stringify(headers));
    assert.match(res.headers['www-authenticate'] as string, /^Bearer/);
    assert.equal(res.json().error.code, 'TEND_ERR_AUTH');
    assert.ok(!res.body.includes(TOKEN), 'the token is never echoed');
  }
  assert.deepEqual(deps.reconcileCalls, []);
  const ok = await app.inject(reconcile({ authorization: `Bearer ${TOKEN}` }));
  assert.equal(ok.statusCode, 200);
});

test('on a network bind every route but /healthz needs the token, GET included', async (t) => {
  const app = buildServer(new FakeDeps(), { token: TOKEN, requireTokenForReads: true });
  t.after(() => app.close());
  const host = { host: '192.0.2.10:7080' };
  for (const url of [
    '/',
    '/readyz',
    '/v1/resources',
    '/v1/resources/Site/shop',
    '/v1/plan',
    '/metrics',
    '/v1/events',
  ]) {
    const res = await app.inject({ url, headers: host });
    assert.equal(res.statusCode, 401, url);
    assert.match(res.headers['www-authenticate'] as string, /^Bearer/);
  }
  assert.equal((await app.inject({ url: '/healthz', headers: host })).statusCode, 200);
  const authed = await app.inject({
    url: '/v1/resources',
    headers: { ...host, authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(authed.statusCode, 200);
});

test('requiring a token for reads without a token is a startup error', () => {
  assert.throws(
    () => buildServer(new FakeDeps(), { requireTokenForReads: true }),
    (err) => isTendError(err, 'TEND_ERR_AUTH') && /--token-file/.test(err.message),
  );
});

test('a loopback API refuses foreign Host headers (DNS rebinding)', async (t) => {
  const app = buildServer(new FakeDeps(), { token: TOKEN });
  t.after(() => app.close());
  const evil = await app.inject({ url: '/v1/resources', headers: { host: 'evil.example:7080' } });
  assert.equal(evil.statusCode, 403);
  assert.equal(evil.json().error.code, 'TEND_ERR_AUTH');
  for (const host of ['localhost:7080', '127.0.0.1:7080', '[::1]:7080', 'localhost']) {
    assert.equal((await app.inject({ url: '/v1/resources', headers: { host } })).statusCode, 200, host);
  }
});

test('bearerToken and isLoopbackHostHeader parse what they should', () => {
  const req = (authorization?: string) => ({ headers: authorization ? { authorization } : {} }) as never;
  assert.equal(bearerToken(req('Bearer abc')), 'abc');
  assert.equal(bearerToken(req('bearer  abc ')), 'abc');
  assert.equal(bearerToken(req('Bearer a b')), undefined);
  assert.equal(bearerToken(req()), undefined);
  assert.equal(isLoopbackHostHeader('127.0.0.5:80'), true);
  assert.equal(isLoopbackHostHeader('app.localhost'), true);
  assert.equal(isLoopbackHostHeader('127.0.0.1.evil.com'), false);
  assert.equal(isLoopbackHostHeader('[::2]:80'), false);
});
