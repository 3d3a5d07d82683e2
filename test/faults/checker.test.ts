// The fault suite's witness must itself be trustworthy: it sees a healthy host as healthy, sees an
// outage as failures, and finds a managed file that the inventory does not list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { e2eEnv, phpPairYaml } from '../helpers/e2e.js';
import { startChecker, untrackedFiles } from '../helpers/checker.js';

test('the checker reports a served host as healthy, an outage as failures, and untracked files', async (t) => {
  const env = await e2eEnv(t, 'tend-fault-checker-');
  const sites = ['a', 'b'].map((n) => ({ host: `${n}.fault.test`, marker: `site-${n}` }));
  for (const n of ['a', 'b']) {
    const root = env.phpRoot(n, `site-${n}`);
    env.write(
      `${n}.yaml`,
      phpPairYaml({ pool: n, site: n, domain: `${n}.fault.test`, root, maxChildren: 2 }),
    );
  }
  const first = await env.reconcile();
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(untrackedFiles(env.root), []);

  const checker = startChecker(env.port, sites);
  t.after(() => checker.stop());
  await checker.healthy(30_000);
  assert.equal(checker.failures.length, 0);

  const before = Date.now();
  const wrong = [{ host: 'a.fault.test', marker: 'never-served' }];
  const witness = startChecker(env.port, wrong);
  await new Promise((r) => setTimeout(r, 300));
  await witness.stop();
  assert.ok(witness.failuresSince(before).length > 0, 'a wrong answer counts as a failure');
  await assert.rejects(startCheckerHealthy(env.port), /did not all answer/);

  const stray = join(env.root, 'stray.conf');
  writeFileSync(stray, '# managed by tend: Site/ghost (generation x)\n');
  assert.deepEqual(untrackedFiles(env.root), [stray]);
});

async function startCheckerHealthy(port: number): Promise<number> {
  const c = startChecker(port, [{ host: 'nowhere.fault.test', marker: 'nothing' }]);
  try {
    return await c.healthy(1_000);
  } finally {
    await c.stop();
  }
}
