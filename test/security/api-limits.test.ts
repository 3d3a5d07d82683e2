// Limits of the HTTP API, against the real server (fastify over TCP) on the real controller deps: a cap
// on event streams, one auth rule for every read (events and plan included) with an optional read
// token, a plan computed once per pass rather than per request, and no silent remote bind.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { get, request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { ApiDeps } from '../../src/api/deps.js';
import { listen } from '../../src/api/listen.js';
import { buildServer, type ServerOptions } from '../../src/api/server.js';
import { isTendError } from '../../src/errors/catalogue.js';
import { controllerApiDeps } from '../../src/controller/api-deps.js';
import { computePlan } from '../../src/pipeline/compute-plan.js';
import { idleProgramDir, liveController } from '../helpers/controller-env.js';
import { FakeDeps } from '../unit/api/fake-deps.js';

const TOKEN = 'test-token-0123456789abcdef';

interface Reply {
  status: number;
  body: string;
  headers: IncomingMessage['headers'];
}

function call(url: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { headers, agent: false }, (res) => {
      // An event stream never ends: its status and first bytes are the answer.
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        res.destroy();
        return resolve({ status: res.statusCode ?? 0, body: '', headers: res.headers });
      }
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The real controller on a one-Program desired state, its API deps with a counting planner. */
async function realDeps(t: TestContext) {
  const base = mkdtempSync(join(tmpdir(), 'tend-sec-api-'));
  const { controller, opts } = await liveController(t, base, idleProgramDir(base), 600_000);
  const planned = { count: 0 };
  const counting: typeof computePlan = (o) => {
    planned.count++;
    return computePlan(o);
  };
  const deps = controllerApiDeps({ controller, opts, isReady: () => true, computePlan: counting });
  await controller.start();
  return { controller, deps, planned };
}

async function serve(t: TestContext, deps: ApiDeps, opts: ServerOptions) {
  const app = buildServer(deps, { token: TOKEN, ...opts });
  const bound = await listen(app, '127.0.0.1:0');
  t.after(() => bound.close());
  return bound.url;
}

async function openStream(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => get(`${url}/v1/events`, resolve).on('error', reject));
}

test('the N+1th event stream is refused with 429 and a message naming the limit', async (t) => {
  const url = await serve(t, new FakeDeps(), { maxEventStreams: 3 });
  const open: IncomingMessage[] = [];
  t.after(() => open.forEach((s) => s.destroy()));
  for (let i = 0; i < 3; i++) {
    const s = await openStream(url);
    assert.equal(s.statusCode, 200);
    open.push(s);
  }
  const refused = await call(url, '/v1/events');
  assert.equal(refused.status, 429);
  const error = (JSON.parse(refused.body) as { error: { code: string; message: string } }).error;
  assert.equal(error.code, 'TEND_ERR_TOO_MANY');
  assert.match(error.message, /--max-event-streams 3/);
  assert.equal(refused.headers['retry-after'], '5');
  // Closing one frees its slot (the server notices the close asynchronously).
  open.shift()!.destroy();
  const deadline = Date.now() + 10_000;
  let again: IncomingMessage | undefined;
  while (!again && Date.now() < deadline) {
    const s = await openStream(url);
    if (s.statusCode === 200) {
      again = s;
    } else {
      s.resume();
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  assert.ok(again, 'a freed slot is usable again');
  open.push(again);
});

test('the default cap holds: of 40 streams, 32 are served and 8 refused', async (t) => {
  const url = await serve(t, new FakeDeps(), {});
  const open: IncomingMessage[] = [];
  t.after(() => open.forEach((s) => s.destroy()));
  let refused = 0;
  for (let i = 0; i < 40; i++) {
    const s = await openStream(url);
    if (s.statusCode === 200) {
      open.push(s);
    } else {
      refused++;
      s.resume();
    }
  }
  assert.equal(open.length, 32);
  assert.equal(refused, 8);
});

test('with a read token, every read needs it: events and plan like the rest; Host still checked', async (t) => {
  const { deps } = await realDeps(t);
  const url = await serve(t, deps, { requireTokenForReads: true, loopbackHostOnly: true });
  const auth = { Authorization: `Bearer ${TOKEN}` };
  for (const path of [
    '/v1/events',
    '/v1/plan',
    '/v1/resources',
    '/v1/resources/Program/idle',
    '/metrics',
    '/readyz',
    '/',
  ]) {
    const without = await call(url, path);
    assert.equal(without.status, 401, `${path} without the token`);
    assert.equal(without.headers['www-authenticate'], 'Bearer realm="tend"');
    assert.equal(
      (await call(url, path, { Authorization: 'Bearer wrong' })).status,
      401,
      `${path}, wrong token`,
    );
    assert.equal((await call(url, path, auth)).status, 200, `${path} with the token`);
  }
  assert.equal((await call(url, '/healthz')).status, 200, 'liveness stays open');
  const rebound = await call(url, '/v1/plan', { ...auth, Host: 'evil.example' });
  assert.equal(rebound.status, 403, 'a loopback API keeps refusing foreign Host names');
});

test('without the flag, events and plan follow the same rule as the other reads (open on loopback)', async (t) => {
  const { deps } = await realDeps(t);
  const url = await serve(t, deps, {});
  for (const path of ['/v1/events', '/v1/plan', '/v1/resources'])
    assert.equal((await call(url, path)).status, 200, path);
  for (const path of ['/v1/events', '/v1/plan', '/v1/resources'])
    assert.equal((await call(url, path, { Host: 'evil.example:7080' })).status, 403, `${path} rebound`);
});

test('GET /v1/plan is computed once per pass, not per request', async (t) => {
  const { controller, deps, planned } = await realDeps(t);
  const url = await serve(t, deps, {});
  // A Program turning ready may enqueue a pass of its own; each pass may cost one plan, no more.
  const [count0, passes0] = [planned.count, controller.passes];
  const replies = await Promise.all(Array.from({ length: 20 }, () => call(url, '/v1/plan')));
  for (let i = 0; i < 5; i++) replies.push(await call(url, '/v1/plan'));
  const computed = planned.count - count0;
  assert.ok(replies.every((r) => r.status === 200));
  assert.ok(
    computed >= 1 && computed <= 1 + controller.passes - passes0,
    `25 requests cost ${computed} plans`,
  );
  const stamps = new Set(replies.map((r) => (JSON.parse(r.body) as { computedAt: string }).computedAt));
  assert.equal(stamps.size, computed, 'every reply carries the plan it was served from');
  assert.equal((JSON.parse(replies[0]!.body) as { formatVersion: number }).formatVersion, 1);
  // A pass makes the served plan stale: the next request computes one again.
  await controller.reconcile();
  const [count1, passes1] = [planned.count, controller.passes];
  const after = await Promise.all(Array.from({ length: 10 }, () => call(url, '/v1/plan')));
  const again = planned.count - count1;
  assert.ok(again >= 1 && again <= 1 + controller.passes - passes1, `10 requests after a pass cost ${again}`);
  assert.ok(!stamps.has((JSON.parse(after[0]!.body) as { computedAt: string }).computedAt));
});

test('a non-loopback bind is refused without allowRemote, and warned about with it', async (t) => {
  const app = buildServer(new FakeDeps(), { token: TOKEN, requireTokenForReads: true });
  t.after(() => app.close());
  await assert.rejects(
    listen(app, '0.0.0.0:0'),
    (err) => isTendError(err, 'TEND_ERR_USAGE') && /--allow-remote-api/.test(err.message),
  );
  assert.equal(app.server.listening, false);
  const warnings: string[] = [];
  const bound = await listen(app, '0.0.0.0:0', { allowRemote: true, warn: (m) => warnings.push(m) });
  t.after(() => bound.close());
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /token travels in clear/);
  const loopback = buildServer(new FakeDeps(), { token: TOKEN });
  const quiet: string[] = [];
  const local = await listen(loopback, '127.0.0.1:0', { warn: (m) => quiet.push(m) });
  t.after(() => local.close());
  assert.deepEqual(quiet, [], 'a loopback bind needs neither the flag nor a warning');
});
