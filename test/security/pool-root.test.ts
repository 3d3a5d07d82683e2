// A Pool with `user: root` (or a uid-0 alias) next to a good one, through `tend reconcile` with
// real nginx and php-fpm 8.2: the bad Pool is a located validation error that never reaches
// php-fpm, and the good PHP site is served by a php-fpm master whose workers are not root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { embeddedLayout } from '../../src/layout/layout.js';
import { childrenOf, e2eEnv, ensureBuilt, httpGet, mastersFor, phpPairYaml } from '../helpers/e2e.js';
import { isRoot, makeAccounts } from './accounts.js';

test(
  'a root Pool is a validation error; the other PHP site is served by non-root workers',
  { skip: !isRoot && 'needs root', timeout: 300_000 },
  async (t) => {
    ensureBuilt();
    const accounts = makeAccounts(t);
    const env = await e2eEnv(t, 'tend-sec-pool-');
    const pair = (name: string, poolSpec = '') =>
      phpPairYaml({
        pool: name,
        site: name,
        domain: `${name}.e2e.test`,
        root: env.phpRoot(name, `${name}-up`),
        maxChildren: 2,
        poolSpec,
      });
    env.write('good.yaml', pair('good'));
    env.write('rooty.yaml', pair('rooty', '  user: root\n'));
    env.write('aliased.yaml', pair('aliased', `  user: ${accounts.toor}\n`));

    const r = await env.reconcile();
    const out = r.stdout + r.stderr;
    assert.notEqual(r.code, 0, out);
    assert.match(out, /rooty\.yaml:\d+:\d+: Pool\/rooty: spec\.user: a pool never runs as root/);
    assert.match(out, /aliased\.yaml:\d+:\d+: Pool\/aliased: spec\.user: user \S+ has uid 0/);

    const good = await httpGet(env.port, 'good.e2e.test');
    assert.equal(`${good.status} ${good.body.trim()}`, '200 good-up 42', 'the good pool serves');
    const layout = embeddedLayout(env.root, { httpPort: env.port });
    assert.match(readFileSync(layout.php.poolFile('8.2', 'good'), 'utf8'), /^user = www-data$/m);
    for (const bad of ['rooty', 'aliased'])
      assert.equal(existsSync(layout.php.poolFile('8.2', bad)), false, `${bad}: no pool file was written`);

    const masters = mastersFor(env.base).php;
    assert.equal(masters.length, 1, 'one php-fpm master is up');
    const workers = childrenOf(masters[0]!);
    assert.ok(workers.length > 0, 'the master has workers');
    for (const w of workers) {
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${w}/status`, 'utf8'))?.[1]);
      assert.notEqual(uid, 0, `worker ${w} is not root`);
    }
  },
);
