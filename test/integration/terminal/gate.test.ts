// Who gets a shell: the token in the first message (never a shell without it), Origin against Host,
// maxSessions, an expired terminal, and the page with its strict headers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spec, startServer, killLeftovers, expectGone } from './harness.js';
import { connect, waitFor } from './ws-client.js';

test('a wrong token is closed with 4401 and no shell is spawned', async (t) => {
  const h = await startServer(t);
  const result = await connect(h.url);
  assert.ok(result.ok);
  result.ws.sendJson({ auth: 'f'.repeat(64), cols: 80, rows: 24 });
  const closed = await result.ws.closed;
  assert.equal(closed.code, 4401);
  assert.match(closed.reason, /unauthorized/);
  assert.deepEqual(h.spawned, []);
  assert.equal(h.server.status().sessions.length, 0);
  assert.ok(h.events.some((e) => e.type === 'rejected' && e.reason === 'unauthorized'));
  assert.ok(!JSON.stringify(h.events).includes(h.token), 'the token must never appear in events');
});

test('input before auth is not a token: closed with 4401, nothing spawned', async (t) => {
  const h = await startServer(t);
  const result = await connect(h.url);
  assert.ok(result.ok);
  result.ws.sendJson({ type: 'input', data: 'id\r' });
  assert.equal((await result.ws.closed).code, 4401);
  assert.deepEqual(h.spawned, []);
});

test('the token in the URL is not accepted', async (t) => {
  const h = await startServer(t);
  const result = await connect(`${h.url}?token=${h.token}`);
  assert.ok(result.ok);
  result.ws.sendJson({ cols: 80, rows: 24 });
  assert.equal((await result.ws.closed).code, 4401);
  assert.deepEqual(h.spawned, []);
});

test('a cross-origin upgrade is refused with 403 before any token is read', async (t) => {
  const h = await startServer(t);
  const hostHeader = new URL(h.url).host;
  const evil = await connect(h.url, { Origin: 'https://evil.example' });
  assert.equal(evil.ok, false);
  assert.equal(!evil.ok && evil.status, 403);
  const nullOrigin = await connect(h.url, { Origin: 'null' });
  assert.equal(!nullOrigin.ok && nullOrigin.status, 403);
  const same = await connect(h.url, { Origin: `http://${hostHeader}` });
  assert.ok(same.ok, 'a same-origin upgrade is accepted');
  same.ws.destroy();
  assert.deepEqual(h.spawned, []);
});

test('other paths and plain requests do not upgrade', async (t) => {
  const h = await startServer(t);
  const other = await connect(new URL('/elsewhere/', h.url).href);
  assert.equal(!other.ok && other.status, 404);
  const noVersion = await connect(h.url, { 'Sec-WebSocket-Version': '8' });
  assert.equal(!noVersion.ok && noVersion.status, 400);
});

test('maxSessions is enforced with 4429 and a reason that names the limit', async (t) => {
  const h = await startServer(t, spec({ maxSessions: 1 }));
  killLeftovers(t, () => h.spawned);
  const first = await h.open();
  const second = await connect(h.url);
  assert.ok(second.ok);
  second.ws.sendJson({ auth: h.token, cols: 80, rows: 24 });
  const closed = await second.ws.closed;
  assert.equal(closed.code, 4429);
  assert.match(closed.reason, /max 1/);
  assert.equal(h.spawned.length, 1);
  first.close();
  await expectGone(h.spawned);
  await waitFor(() => h.events.some((e) => e.type === 'closed'), 10_000, 'the first session to be closed');
  const third = await h.open();
  assert.equal(h.spawned.length, 2, 'a freed slot can be used again');
  third.close();
});

test('an expired terminal refuses sessions with 4410 and says so in status', async (t) => {
  const h = await startServer(t, spec({ expiresAt: '2020-01-01T00:00:00Z' }));
  assert.equal(h.server.status().expired, true);
  const result = await connect(h.url);
  assert.ok(result.ok);
  result.ws.sendJson({ auth: h.token, cols: 80, rows: 24 });
  assert.equal((await result.ws.closed).code, 4410);
  assert.deepEqual(h.spawned, []);
});

test('the page and xterm.js are served locally with a strict CSP', async (t) => {
  const h = await startServer(t);
  const page = await fetch(h.url);
  assert.equal(page.status, 200);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  const body = await page.text();
  assert.match(body, /assets\/terminal\.js/);
  assert.doesNotMatch(body, /https?:\/\//, 'no CDN or absolute URL in the page');
  assert.doesNotMatch(body, /<script>/, 'no inline script');
  for (const asset of ['assets/xterm.mjs', 'assets/xterm.css', 'assets/terminal.js', 'assets/terminal.css'])
    assert.equal((await fetch(new URL(asset, h.url))).status, 200, asset);
  const xterm = await (await fetch(new URL('assets/xterm.mjs', h.url))).text();
  assert.match(xterm, /export\s*\{[^}]*as Terminal\}/);
  assert.equal((await fetch(new URL('/nope', h.url))).status, 404);
  assert.equal((await fetch(h.url, { method: 'POST' })).status, 405);
  assert.ok(!JSON.stringify(h.server.status()).includes(h.token), 'status never carries the token');
});
