// Fault: nginx cannot start (another process took its port while it was down). The failed start
// leaves the journal open; the next passes must still plan and apply everything else (a Pool edit
// goes live on real php-fpm), report the nginx Sites as not Ready while the outage lasts, and heal
// once the port is free, with no hand edit and nothing managed left untracked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpGet, staticSiteYaml } from '../helpers/e2e.js';
import { waitFor } from '../e2e/serve-harness.js';
import {
  holdPort,
  ready,
  release,
  shopAndDocs,
  statusOf,
  stopMaster,
  untrackedManaged,
} from './fault-helpers.js';

test(
  'a service that cannot start never stops the reconciliation of the others',
  { timeout: 300_000 },
  async (t) => {
    const { env, layout, docs, shop } = await shopAndDocs(t, 'tend-fault-recover-');
    const pair = (maxRequests: number) => shop({ poolSpec: `  maxRequests: ${maxRequests}\n` });
    env.write('shop.yaml', pair(100));
    const cold = await env.reconcile();
    assert.equal(cold.code, 0, cold.stdout + cold.stderr);
    assert.equal((await httpGet(env.port, 'shop.fault.test')).status, 200);

    // nginx goes down and another process takes its port before tend can start it again.
    await stopMaster(layout.nginx.pidFile);
    const holder = await holdPort(t, env.port);
    env.write('docs.yaml', staticSiteYaml('docs', docs, '  headers: { X-Edit: one }\n'));
    const failing = await env.reconcile();
    t.diagnostic(`pass with nginx unable to start: exit ${failing.code}`);
    assert.notEqual((await statusOf(env, 'Site/docs')).phase, 'Ready');

    // The next pass recovers what it can and goes on: the Pool edit reaches php-fpm.
    env.write('shop.yaml', pair(200));
    const during = await env.reconcile();
    const poolFile = join(layout.php.poolDir('8.2'), 'shop.conf');
    assert.match(readFileSync(poolFile, 'utf8'), /pm\.max_requests = 200/, during.stdout + during.stderr);
    assert.equal(existsSync(join(layout.stateDir, 'journal.json')), false, 'recovery closed the journal');
    const pool = await statusOf(env, 'Pool/shop');
    assert.equal(pool.phase, 'Ready', JSON.stringify(pool));
    for (const key of ['Site/docs', 'Site/shop']) {
      const s = await statusOf(env, key);
      assert.ok(!ready(s), `${key} must not be Ready while nginx cannot start: ${JSON.stringify(s)}`);
    }
    const owed = JSON.parse(readFileSync(join(layout.stateDir, 'reloads-owed.json'), 'utf8')) as {
      services: Record<string, { message: string }>;
    };
    assert.ok(owed.services.nginx, 'nginx is recorded as owing a reload');
    assert.deepEqual(untrackedManaged(env.root), []);

    // The port frees up: the next pass starts nginx with every pending edit; nothing was edited by hand.
    await release(holder);
    await waitFor('a pass that heals nginx', async () => {
      await env.reconcile();
      return (await httpGet(env.port, 'docs.e2e.test').catch(() => undefined))?.headers['x-edit'] === 'one';
    });
    assert.equal((await httpGet(env.port, 'shop.fault.test')).status, 200);
    for (const key of ['Site/docs', 'Site/shop', 'Pool/shop'])
      assert.equal((await statusOf(env, key)).phase, 'Ready', key);
    assert.equal(existsSync(join(layout.stateDir, 'reloads-owed.json')), false);
    assert.deepEqual(untrackedManaged(env.root), []);
  },
);
