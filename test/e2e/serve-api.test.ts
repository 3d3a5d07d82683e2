// The HTTP API over the real ApiDeps (controllerApiDeps on a live Controller, real processes),
// through inject(): every route, auth refusals, bad input, and secrets never leaving the host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServer } from '../../src/api/server.js';
import { controllerApiDeps } from '../../src/controller/api-deps.js';
import { idleProgramDir, liveController } from '../helpers/controller-env.js';
import { tempDir } from '../helpers/tmp.js';

const TOKEN = 'test-token-0123456789abcdef';
const SECRET = 'Pw-very-secret-4711';

test('API routes over the real controller deps', async (t) => {
  const base = tempDir(t, 'tend-e2e-api-');
  const ds = idleProgramDir(base, `  env: { DB_PASSWORD: { value: ${SECRET}, secret: true } }\n`);
  const { controller, opts } = await liveController(t, base, ds, 60_000);
  let ready = false;
  const deps = controllerApiDeps({ controller, opts, isReady: () => ready });
  const app = buildServer(deps, { token: TOKEN });
  t.after(() => app.close());
  const call = (method: 'GET' | 'POST', url: string, body?: unknown, auth = false) =>
    app.inject({
      method,
      url,
      ...(body !== undefined ? { payload: body as object } : {}),
      headers: auth ? { authorization: `Bearer ${TOKEN}` } : {},
    });

  assert.equal((await call('GET', '/readyz')).statusCode, 503);
  await controller.start();
  ready = true;
  assert.equal((await call('GET', '/healthz')).statusCode, 200);
  assert.deepEqual((await call('GET', '/readyz')).json(), { ready: true });

  const list = await call('GET', '/v1/resources?kind=Program');
  assert.equal(list.statusCode, 200);
  assert.deepEqual(
    list.json().items.map((i: { key: string }) => i.key),
    ['Program/idle'],
  );
  assert.ok(!list.body.includes(SECRET), 'secrets never leave through the API');
  const one = await call('GET', '/v1/resources/Program/idle');
  assert.equal(one.statusCode, 200);
  assert.equal(one.json().status.kind, 'Program');
  assert.ok(Array.isArray(one.json().events));
  assert.equal((await call('GET', '/v1/resources/Program/nope')).statusCode, 404);
  assert.equal((await call('GET', '/v1/resources/Gadget/x')).json().error.code, 'TEND_ERR_USAGE');
  assert.equal((await call('GET', '/v1/resources?phase=Sleepy')).statusCode, 400);

  const plan = await call('GET', '/v1/plan');
  assert.equal(plan.statusCode, 200);
  assert.equal(plan.json().formatVersion, 1);
  assert.ok(!plan.body.includes(SECRET));

  // Mutations: no token → 401; a bad body → 400; an unknown resource → 404; then the real thing.
  assert.equal((await call('POST', '/v1/reconcile', {})).statusCode, 401);
  assert.equal((await call('POST', '/v1/reconcile', { resource: 'nonsense' }, true)).statusCode, 400);
  assert.equal((await call('POST', '/v1/reconcile', { extra: 1 }, true)).statusCode, 400);
  assert.equal((await call('POST', '/v1/reconcile', { resource: 'Site/ghost' }, true)).statusCode, 404);
  const passes = controller.passes;
  const r = await call('POST', '/v1/reconcile', { resource: 'Program/idle' }, true);
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().ok, true);
  assert.equal(r.json().key, 'Program/idle');
  assert.ok(controller.passes > passes, 'the reconcile waited for a pass that started after the request');
  const all = await call('POST', '/v1/reconcile', undefined, true);
  assert.equal(all.json().ok, true);

  // /v1/events streams what the EventLog records (the SSE framing itself is tested with the fake deps).
  const seen: string[] = [];
  const off = deps.subscribe((e) => seen.push(`${e.reason}:${e.key ?? ''}`));
  opts.events.record({ key: 'Program/idle', type: 'Normal', reason: 'Probe', message: 'hello' });
  off();
  opts.events.record({ type: 'Normal', reason: 'After', message: 'not seen' });
  assert.deepEqual(seen, ['Probe:Program/idle']);

  const metrics = await call('GET', '/metrics');
  assert.equal(metrics.statusCode, 200);
  assert.match(metrics.body, /tend_/);
  assert.match(metrics.body, /Program/);
});
