// The long-lived Terminal token never travels in a URL: `tend terminal open` prints a one-time login
// link (60 s, by the server's clock, moved here through a seam) that the real terminal server
// exchanges for an HttpOnly, SameSite, path-scoped cookie that opens sessions of that Terminal only.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { terminalCommand } from '../../src/cli/terminal.js';
import { createRealHost } from '../../src/host/index.js';
import { layoutFor } from '../../src/layout/layout.js';
import { newStatus } from '../../src/state/conditions.js';
import { StatusStore } from '../../src/state/status-store.js';
import { ensureTerminalToken } from '../../src/terminal/token.js';
import { tempDir } from '../helpers/tmp.js';
import {
  expectGone,
  killLeftovers,
  spec,
  startServer,
  type Harness,
} from '../integration/terminal/harness.js';
import { connect } from '../integration/terminal/ws-client.js';

interface World {
  root: string;
  clock: { now: number };
  ops: Harness;
}

/** A state dir with the Terminal's token and its URL in status.json, as `tend serve` leaves them. */
async function world(t: TestContext): Promise<World> {
  const root = tempDir(t);
  const { stateDir } = layoutFor('embedded', root);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const host = createRealHost();
  const token = await ensureTerminalToken(host, stateDir, 'ops');
  const clock = { now: Date.parse('2026-12-06T03:00:00Z') };
  const ops = await startServer(t, spec({ maxSessions: 5 }), { name: 'ops', token, now: () => clock.now });
  killLeftovers(t, () => ops.spawned);
  const store = await StatusStore.load(host, stateDir);
  store.put({ ...newStatus('Terminal', 'ops', clock.now), outputs: { url: ops.server.url } });
  await store.save();
  return { root, clock, ops };
}

async function open(w: World): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: (s: string) => void (stdout += s),
    stderr: (s: string) => void (stderr += s),
    cwd: w.root,
    env: {},
    isTTY: false,
  };
  const code = await terminalCommand(['open', 'ops', '--root', w.root], io, { now: () => w.clock.now });
  return { code, stdout, stderr };
}

const visit = (url: string, cookie?: string) =>
  fetch(url, { redirect: 'manual', ...(cookie ? { headers: { Cookie: cookie } } : {}) });

/** The cookie pair (`name=value`) and its attributes from a Set-Cookie header. */
function parseSetCookie(header: string | null) {
  assert.ok(header, 'a Set-Cookie header');
  const [pair, ...attrs] = header.split(';').map((p) => p.trim());
  return { pair: pair!, attrs: attrs.map((a) => a.toLowerCase()) };
}

test('tend terminal open prints a login URL without the token; the page carries no token', async (t) => {
  const w = await world(t);
  const r = await open(w);
  assert.equal(r.code, 0, r.stderr);
  const urls = (r.stdout + r.stderr).match(/https?:\/\/\S+/g) ?? [];
  assert.equal(urls.length, 1, r.stdout);
  for (const url of urls) assert.ok(!url.includes(w.ops.token), 'the token is not in a printed URL');
  assert.ok(!(r.stdout + r.stderr).includes(w.ops.token), 'nor anywhere in the output');
  assert.ok(urls[0]!.startsWith(`${w.ops.server.url}login?ticket=`), urls[0]);
  for (const path of ['', 'assets/terminal.js', 'assets/terminal.css']) {
    const body = await (await fetch(new URL(path, w.ops.server.url))).text();
    assert.ok(!body.includes(w.ops.token), `no token in ${path || 'the page'}`);
  }
  const login = await visit(urls[0]!);
  assert.equal(login.status, 303);
  assert.equal(login.headers.get('location'), '/t/ops/');
  assert.ok(!(login.headers.get('location') ?? '').includes(w.ops.token));
});

test('the login URL works once, and gives an HttpOnly SameSite cookie scoped to the Terminal', async (t) => {
  const w = await world(t);
  const url = (await open(w)).stdout.trim();
  const first = await visit(url);
  assert.equal(first.status, 303);
  const cookie = parseSetCookie(first.headers.get('set-cookie'));
  assert.match(cookie.pair, /^tend_terminal=[0-9a-f]{64}$/);
  assert.ok(cookie.attrs.includes('httponly'), 'HttpOnly');
  assert.ok(cookie.attrs.includes('samesite=strict'), 'SameSite=Strict');
  assert.ok(cookie.attrs.includes('path=/t/ops/'), 'scoped to this Terminal');
  const again = await visit(url);
  assert.equal(again.status, 403);
  assert.match(await again.text(), /already used.*tend terminal open ops/s);
  assert.equal(again.headers.get('set-cookie'), null);

  const page = await (await fetch(w.ops.server.url, { headers: { Cookie: cookie.pair } })).text();
  assert.match(page, /<body data-login="cookie">/, 'the page knows to connect on the cookie');
  assert.doesNotMatch(await (await fetch(w.ops.server.url)).text(), /data-login/);
  const ws = await w.ops.open({ cookie: cookie.pair });
  assert.equal(w.ops.server.status().sessions.length, 1, 'the cookie opens a session without the token');
  ws.close();
  await expectGone(w.ops.spawned);
  const forged = await connect(w.ops.server.url, { Cookie: `tend_terminal=${'0'.repeat(64)}` });
  assert.ok(forged.ok);
  forged.ws.sendJson({ cols: 80, rows: 24 });
  assert.equal((await forged.ws.closed).code, 4401, 'a made-up cookie is no login');
});

test('a login URL is refused after 60 s by the server clock; a tampered one at once', async (t) => {
  const w = await world(t);
  const late = (await open(w)).stdout.trim();
  const tampered = late.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
  assert.equal((await visit(tampered)).status, 403);
  w.clock.now += 60_001;
  const expired = await visit(late);
  assert.equal(expired.status, 403);
  assert.match(await expired.text(), /expired/);
  const fresh = (await open(w)).stdout.trim();
  w.clock.now += 59_000;
  assert.equal((await visit(fresh)).status, 303, 'within 60 s it works');
  assert.ok(w.ops.events.some((e) => e.type === 'rejected' && /expired/.test(e.message)));
  assert.ok(!JSON.stringify(w.ops.events).includes(w.ops.token));
});

test('the cookie is useless for another Terminal, and expires', async (t) => {
  const w = await world(t);
  const other = await startServer(t, spec(), { name: 'dev', now: () => w.clock.now });
  const cookie = parseSetCookie((await visit((await open(w)).stdout.trim())).headers.get('set-cookie'));
  // Browsers send it only below /t/ops/; even sent by hand, the other Terminal does not know it.
  const elsewhere = await connect(other.server.url, { Cookie: cookie.pair });
  assert.ok(elsewhere.ok);
  elsewhere.ws.sendJson({ cols: 80, rows: 24 });
  assert.equal((await elsewhere.ws.closed).code, 4401);
  assert.deepEqual(other.spawned, []);
  w.clock.now += 12 * 60 * 60_000 + 1;
  const stale = await connect(w.ops.server.url, { Cookie: cookie.pair });
  assert.ok(stale.ok);
  stale.ws.sendJson({ cols: 80, rows: 24 });
  assert.equal((await stale.ws.closed).code, 4401, 'a cookie past its 12 h is no login');
  assert.deepEqual(w.ops.spawned, []);
});

test('the token typed into the page still opens a session', async (t) => {
  const w = await world(t);
  const ws = await w.ops.open();
  assert.equal(w.ops.server.status().sessions.length, 1);
  ws.close();
  await expectGone(w.ops.spawned);
});
