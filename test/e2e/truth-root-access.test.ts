// Issue 14, item 3: the plan warns when a Site's root is missing or cannot be read by its Pool's
// user; a root under a folder nginx's worker user (www-data) cannot enter (the 0700 temp dir) is not
// a warning but a refusal (truth-root-traversal.test.ts). Real directories, real modes, real
// accounts; `tend reconcile --plan` changes nothing on the host.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { e2eEnv, phpSiteYaml, poolYaml, staticSiteYaml } from '../helpers/e2e.js';

test(
  'the plan warns about a Site root that is missing or unreadable by its Pool',
  { timeout: 120_000 },
  async (t) => {
    const env = await e2eEnv(t);
    // Enterable parents, but the root itself is root's alone: www-data's pool cannot list or read it.
    const closed = join(env.www, 'closed');
    mkdirSync(closed);
    writeFileSync(join(closed, 'index.php'), '<?php echo 1;\n');
    chmodSync(closed, 0o700);
    // Fine: a control that must not warn.
    const open = join(env.www, 'open');
    mkdirSync(open);
    writeFileSync(join(open, 'index.html'), 'ok\n');

    env.write('missing.yaml', staticSiteYaml('missing', join(env.www, 'nowhere')));
    env.write('open.yaml', staticSiteYaml('open', open));
    env.write('shop.yaml', `${poolYaml('shop')}---\n${phpSiteYaml('shop', closed)}`);

    const run = await env.reconcile('--plan');
    const out = run.stdout + run.stderr;
    assert.match(out, new RegExp(`Site/missing: root ${join(env.www, 'nowhere')} does not exist`));
    assert.match(
      out,
      new RegExp(`Site/shop: Pool/shop's user www-data cannot read root ${closed} \\(mode 0700`),
    );
    assert.doesNotMatch(out, /warning: Site\/open/, 'a reachable root gets no warning');

    // Opening the root clears the warning: it describes the host as it is now.
    chmodSync(closed, 0o755);
    assert.doesNotMatch((await env.reconcile('--plan')).stdout, /Site\/shop: Pool\/shop's user/);
  },
);
