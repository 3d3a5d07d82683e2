// The JSON routes through inject(): health, resources, plan, reconcile, errors and secret masking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servedPlanJsonSchema } from '../../../src/plan/plan-json-schema.js';
import { buildServer } from '../../../src/api/server.js';
import { TendError } from '../../../src/errors/catalogue.js';
import { FakeDeps, SECRET } from './fake-deps.js';

const TOKEN = 'test-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };

function setup(t: { after: (fn: () => unknown) => void }) {
  const deps = new FakeDeps();
  const app = buildServer(deps, { token: TOKEN });
  t.after(() => app.close());
  return { deps, app };
}

test('healthz and readyz report liveness and readiness with a reason', async (t) => {
  const { deps, app } = setup(t);
  assert.equal((await app.inject('/healthz')).statusCode, 200);
  assert.deepEqual((await app.inject('/readyz')).json(), { ready: true });
  deps.healthState = { live: true, ready: false, reason: 'initial reconcile not finished' };
  const res = await app.inject('/readyz');
  assert.equal(res.statusCode, 503);
  assert.deepEqual(res.json(), { ready: false, reason: 'initial reconcile not finished' });
  deps.healthState = { live: false, ready: false };
  assert.equal((await app.inject('/healthz')).statusCode, 503);
});

test('GET /v1/resources lists, filters and validates kind and phase', async (t) => {
  const { app } = setup(t);
  const all = await app.inject('/v1/resources');
  assert.equal(all.statusCode, 200);
  assert.deepEqual(
    all.json().items.map((r: { key: string }) => r.key),
    ['Site/shop', 'Program/worker'],
  );
  const sites = await app.inject('/v1/resources?kind=Site');
  assert.deepEqual(
    sites.json().items.map((r: { key: string }) => r.key),
    ['Site/shop'],
  );
  const failed = await app.inject('/v1/resources?phase=Failed');
  assert.deepEqual(
    failed.json().items.map((r: { key: string }) => r.key),
    ['Program/worker'],
  );
  const badKind = await app.inject('/v1/resources?kind=Nope');
  assert.equal(badKind.statusCode, 400);
  assert.equal(badKind.json().error.code, 'TEND_ERR_USAGE');
  assert.match(
    badKind.json().error.message,
    /querystring\.kind must be one of: Site, Pool, Program, Terminal/,
  );
  const badPhase = await app.inject('/v1/resources?phase=Happy');
  assert.equal(badPhase.statusCode, 400);
  assert.match(badPhase.json().error.message, /querystring\.phase/);
  const unknown = await app.inject('/v1/resources?colour=red');
  assert.equal(unknown.statusCode, 400);
  assert.match(unknown.json().error.message, /unknown key "colour"/);
});

test('GET /v1/resources/:kind/:name returns one resource, 404 JSON when absent, 400 for a bad kind', async (t) => {
  const { app } = setup(t);
  const res = await app.inject('/v1/resources/Site/shop');
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().key, 'Site/shop');
  const missing = await app.inject('/v1/resources/Site/nope');
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(missing.json(), {
    error: { code: 'TEND_ERR_NOT_FOUND', message: 'no resource Site/nope' },
  });
  const badKind = await app.inject('/v1/resources/Castle/shop');
  assert.equal(badKind.statusCode, 400);
  assert.match(badKind.json().error.message, /params\.kind/);
  const badName = await app.inject('/v1/resources/Site/Not_A_Label');
  assert.equal(badName.statusCode, 400);
});

test('secret env values are masked in resources even when the deps forgot', async (t) => {
  const { app } = setup(t);
  for (const url of ['/v1/resources', '/v1/resources/Program/worker']) {
    const res = await app.inject(url);
    assert.ok(!res.body.includes(SECRET), `${url} leaks the secret`);
    assert.ok(res.body.includes('(sensitive)'));
  }
  const one = (await app.inject('/v1/resources/Program/worker')).json();
  assert.deepEqual(one.spec.env, { DB_PASS: { value: '(sensitive)', secret: true }, MODE: 'prod' });
});

test('GET /v1/plan serves the plan without contents or secret values', async (t) => {
  const { app } = setup(t);
  const res = await app.inject('/v1/plan');
  assert.equal(res.statusCode, 200);
  assert.ok(!res.body.includes(SECRET), 'the plan leaks a secret');
  const plan = res.json();
  assert.equal(plan.formatVersion, 1);
  // The documented --json format (docs/plan-json.md), checked against its schema.
  servedPlanJsonSchema.parse(plan);
  const op = plan.changes[0].files[0];
  assert.equal(op.content, undefined);
  assert.equal(op.before, undefined);
  assert.match(op.diff, /\+environment=DB_PASS="\(sensitive\)"/);
  assert.deepEqual(plan.summary, { create: 0, update: 1, delete: 0, noop: 0, blocked: 0 });
});

test('errors thrown by the deps map to statuses by kind, without stack traces', async (t) => {
  const { deps, app } = setup(t);
  deps.planError = new TendError('TEND_ERR_SOURCE_UNREADABLE', 'desired state unreadable: EACCES');
  const transient = await app.inject('/v1/plan');
  assert.equal(transient.statusCode, 503);
  assert.equal(transient.headers['retry-after'], '5');
  assert.equal(transient.json().error.code, 'TEND_ERR_SOURCE_UNREADABLE');
  deps.planError = new TendError('TEND_ERR_MASS_DELETE', 'the plan deletes 9 of 9 resources');
  const config = await app.inject('/v1/plan');
  assert.equal(config.statusCode, 409);
  assert.equal(config.json().error.message, 'the plan deletes 9 of 9 resources');
  deps.planError = new Error('secret internals at /src/x.ts:10');
  const internal = await app.inject('/v1/plan');
  assert.equal(internal.statusCode, 500);
  assert.deepEqual(internal.json(), {
    error: { code: 'TEND_ERR_INTERNAL', message: 'internal error in tend; see the tend log' },
  });
  assert.ok(!internal.body.includes('src/x.ts'));
});

test('unknown routes answer a JSON 404', async (t) => {
  const { app } = setup(t);
  const res = await app.inject('/v2/nothing');
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().error.code, 'TEND_ERR_NOT_FOUND');
  assert.match(res.headers['content-type'] as string, /^application\/json/);
});

test('POST /v1/reconcile waits for the result, for one resource or all', async (t) => {
  const { deps, app } = setup(t);
  const one = await app.inject({
    method: 'POST',
    url: '/v1/reconcile',
    headers: auth,
    payload: { resource: 'Site/shop' },
  });
  assert.equal(one.statusCode, 200);
  assert.deepEqual(one.json(), { ok: true, key: 'Site/shop', durationMs: 12, summary: { update: 1 } });
  const all = await app.inject({ method: 'POST', url: '/v1/reconcile', headers: auth, payload: {} });
  assert.equal(all.statusCode, 200);
  const noBody = await app.inject({ method: 'POST', url: '/v1/reconcile', headers: auth });
  assert.equal(noBody.statusCode, 200);
  assert.deepEqual(deps.reconcileCalls, [{ key: 'Site/shop' }, {}, {}]);
});

test('POST /v1/reconcile refuses bad input with a JSON 400 naming the field', async (t) => {
  const { deps, app } = setup(t);
  const post = (payload: string, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/v1/reconcile',
      headers: { ...auth, 'content-type': 'application/json', ...headers },
      payload,
    });
  const unknownKey = await post('{"resource":"Site/shop","force":true}');
  assert.equal(unknownKey.statusCode, 400);
  assert.match(unknownKey.json().error.message, /body: unknown key "force"/);
  const wrongType = await post('{"resource":42}');
  assert.equal(wrongType.statusCode, 400);
  assert.match(wrongType.json().error.message, /body\.resource must be string/);
  const badKey = await post('{"resource":"shop"}');
  assert.equal(badKey.statusCode, 400);
  assert.match(badKey.json().error.message, /body\.resource: expected Kind\/name/);
  const malformed = await post('{"resource":');
  assert.equal(malformed.statusCode, 400);
  assert.equal(malformed.json().error.code, 'TEND_ERR_USAGE');
  const oversize = await post(JSON.stringify({ resource: 'x'.repeat(20_000) }));
  assert.equal(oversize.statusCode, 413);
  assert.equal(oversize.json().error.code, 'TEND_ERR_USAGE');
  const textPlain = await post('resource=Site/shop', { 'content-type': 'text/plain' });
  assert.equal(textPlain.statusCode, 415);
  assert.equal(textPlain.json().error.code, 'TEND_ERR_USAGE');
  const unknown = await post('{"resource":"Pool/ghost"}');
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().error.message, 'no resource Pool/ghost');
  assert.deepEqual(deps.reconcileCalls, [], 'no bad request reached the controller');
});

test('a reconcile that hits a stalled config error answers 409 with the code', async (t) => {
  const { deps, app } = setup(t);
  deps.reconcileError = new TendError('TEND_ERR_VALIDATION_FAILED', 'nginx -t: unknown directive "lisen"');
  const res = await app.inject({
    method: 'POST',
    url: '/v1/reconcile',
    headers: auth,
    payload: { resource: 'Site/shop' },
  });
  assert.equal(res.statusCode, 409);
  assert.equal(res.json().error.code, 'TEND_ERR_VALIDATION_FAILED');
});

test('every response carries nosniff and no-store', async (t) => {
  const { app } = setup(t);
  const res = await app.inject('/v1/resources');
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['cache-control'], 'no-store');
});
