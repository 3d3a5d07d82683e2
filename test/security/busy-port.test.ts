// Attack: any local user can bind a port before nginx does. A Site whose listenPort another process
// holds must be held back alone, with a message naming the port and the holder, before any reload:
// the other Sites keep converging and serving, and removing the Site's YAML leaves nothing to repair.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { embeddedLayout } from '../../src/layout/layout.js';
import { freePort, httpGet, staticSiteYaml } from '../helpers/e2e.js';
import { serveEnv, waitFor } from '../e2e/serve-harness.js';
import { holdPort, inventoryOf, release, untrackedManaged } from '../faults/fault-helpers.js';

interface Status {
  phase: string;
  conditions: { type: string; status: string; reason?: string }[];
  lastError?: { code: string; message: string };
}

test(
  'a Site on a port another process holds is held back alone; removing it heals',
  { timeout: 300_000 },
  async (t) => {
    const env = await serveEnv(t);
    const layout = embeddedLayout(env.root, { httpPort: env.port });
    const roots = Object.fromEntries(
      ['alpha', 'beta', 'taken'].map((name) => {
        const dir = join(env.www, name);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'index.html'), `${name}\n`);
        return [name, dir];
      }),
    );
    env.write('alpha.yaml', staticSiteYaml('alpha', roots.alpha!));
    env.write('beta.yaml', staticSiteYaml('beta', roots.beta!));
    await env.start();
    const serves = async (name: string, header?: string) => {
      const res = await httpGet(env.port, `${name}.e2e.test`).catch(() => undefined);
      return res?.status === 200 && (header === undefined || res.headers['x-edit'] === header);
    };
    await waitFor('alpha and beta served', async () => (await serves('alpha')) && (await serves('beta')));

    // A local user takes a port first; then a Site asks nginx to listen there.
    const busy = await freePort();
    const holder = await holdPort(t, busy);
    env.write('taken.yaml', staticSiteYaml('taken', roots.taken!, `  listenPort: ${busy}\n`));
    const held = (await waitFor('Site/taken held back', async () => {
      const s = (await env.resource('Site/taken')) as unknown as Status | undefined;
      return s?.lastError?.code === 'TEND_ERR_PORT_IN_USE' ? s : undefined;
    })) as Status;
    assert.notEqual(held.phase, 'Ready');
    assert.equal(held.conditions.find((c) => c.type === 'Ready')?.reason, 'PortConflict');
    assert.match(
      held.lastError!.message,
      new RegExp(`port ${busy} on 127\\.0\\.0\\.1 is already in use by pid ${holder.pid}`),
    );
    assert.equal(existsSync(join(layout.nginx.includeDir, 'taken.conf')), false, 'its vhost never went live');
    assert.equal(inventoryOf(env.root).resources['Site/taken'], undefined);

    // Every other Site keeps converging: edits to alpha and beta go live while taken stays held.
    env.write('alpha.yaml', staticSiteYaml('alpha', roots.alpha!, '  headers: { X-Edit: one }\n'));
    await waitFor('the alpha edit served', () => serves('alpha', 'one'));
    assert.ok(await serves('beta'));
    for (const key of ['Site/alpha', 'Site/beta'])
      await waitFor(
        `${key} Ready`,
        async () => ((await env.resource(key)) as unknown as Status | undefined)?.phase === 'Ready',
      );
    assert.equal(
      ((await env.resource('Site/taken')) as unknown as Status).lastError?.code,
      'TEND_ERR_PORT_IN_USE',
    );

    // Its YAML removed: nothing to repair by hand, and the next edit still goes live.
    env.remove('taken.yaml');
    env.write('beta.yaml', staticSiteYaml('beta', roots.beta!, '  headers: { X-Edit: two }\n'));
    await waitFor('the beta edit served', () => serves('beta', 'two'));
    await waitFor(
      'Site/taken gone from status',
      async () => (await env.resource('Site/taken')) === undefined,
    );
    assert.ok(await serves('alpha', 'one'));
    assert.equal(existsSync(join(layout.stateDir, 'reloads-owed.json')), false, 'no service owes a reload');
    assert.equal(existsSync(join(layout.stateDir, 'journal.json')), false);
    assert.deepEqual(untrackedManaged(env.root), []);

    // The hold is not sticky: once the port is free, the same Site goes live on it.
    await release(holder);
    env.write('taken.yaml', staticSiteYaml('taken', roots.taken!, `  listenPort: ${busy}\n`));
    await waitFor('taken served on its own port', async () => {
      const res = await httpGet(busy, 'taken.e2e.test').catch(() => undefined);
      return res?.status === 200 && res.body === 'taken\n';
    });
    assert.ok(await serves('alpha', 'one'));
  },
);
