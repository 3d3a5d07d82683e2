// Fault: inventory entries that forget what they own, on real nginx and php-fpm. An update that
// changes no rendered file (health.path) must leave the entry as complete as a create's, so a later
// delete removes the live vhost; an inventory rebuilt after removal must list each Pool's service,
// so a stopped php-fpm is started again. Nothing managed is ever left untracked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { httpGet, mastersFor } from '../helpers/e2e.js';
import { inventoryOf, shopAndDocs, statusOf, stopMaster, untrackedManaged } from './fault-helpers.js';

test(
  'inventory entries list every file, link and service, whatever the change',
  { timeout: 300_000 },
  async (t) => {
    const { env, layout, shop: pair } = await shopAndDocs(t, 'tend-fault-inventory-');
    const shop = (siteSpec = '') => pair({ siteSpec });
    env.write('shop.yaml', shop());
    const reconcile = async () => {
      const r = await env.reconcile();
      assert.equal(r.code, 0, r.stdout + r.stderr);
    };
    await reconcile();
    const atCreate = inventoryOf(env.root).resources;
    const vhost = join(layout.nginx.includeDir, 'shop.conf');
    assert.deepEqual(atCreate['Site/shop']!.files, [vhost]);
    assert.deepEqual(atCreate['Site/shop']!.services, ['nginx']);
    assert.deepEqual(atCreate['Pool/shop']!.services, ['php-fpm@8.2']);
    const vhostBefore = readFileSync(vhost, 'utf8');

    // An update that renders the same vhost: a new generation, no file operation.
    env.write('shop.yaml', shop('  health: { path: /index.php }\n'));
    await reconcile();
    assert.equal(readFileSync(vhost, 'utf8'), vhostBefore, 'health.path does not change the vhost');
    const afterNoop = inventoryOf(env.root).resources;
    for (const key of ['Site/shop', 'Pool/shop']) {
      const { files, links, services } = afterNoop[key]!;
      const created = atCreate[key]!;
      assert.deepEqual(
        { files, links, services },
        { files: created.files, links: created.links, services: created.services },
        key,
      );
    }

    // Its Site is deleted: the vhost goes with it, and the domain is no longer routed to the pool.
    env.write('shop.yaml', shop('  health: { path: /index.php }\n').split('---')[0]!);
    await reconcile();
    assert.equal(existsSync(vhost), false, 'the deleted Site left its vhost behind');
    assert.equal((await httpGet(env.port, 'shop.fault.test')).status, 404, 'the default server answers');
    assert.equal((await statusOf(env, 'Site/docs')).phase, 'Ready');
    assert.deepEqual(untrackedManaged(env.root), []);

    // The inventory is removed (as the corrupt-inventory message suggests) while php-fpm is down.
    env.write('shop.yaml', shop());
    await reconcile();
    rmSync(join(layout.stateDir, 'inventory.json'));
    await stopMaster(layout.php.pidFile('8.2'));
    assert.deepEqual(mastersFor(env.root).php, []);
    await reconcile();
    const rebuilt = inventoryOf(env.root).resources;
    for (const key of ['Site/shop', 'Site/docs', 'Pool/shop']) {
      const { files, links, services } = rebuilt[key]!;
      assert.ok(files.length > 0 && services.length > 0, `${key}: ${JSON.stringify(rebuilt[key])}`);
      if (atCreate[key])
        assert.deepEqual(
          { files, links, services },
          { files: atCreate[key].files, links: atCreate[key].links, services: atCreate[key].services },
          key,
        );
    }
    assert.equal(mastersFor(env.root).php.length, 1, 'the stopped php-fpm was started again');
    const res = await httpGet(env.port, 'shop.fault.test');
    assert.equal(res.status, 200, res.body);
    assert.match(res.body, /app-marker 42/);
    for (const key of ['Site/shop', 'Pool/shop'])
      assert.equal((await statusOf(env, key)).phase, 'Ready', key);
    assert.deepEqual(untrackedManaged(env.root), []);
  },
);
