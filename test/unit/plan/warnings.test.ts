// Plan warnings: a resource's own (listen.unsafe) on every plan, in sync or not, and the account that
// stays when a Pool tend created it for is deleted; both in the text and the JSON plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPlanJson, formatPlanText, isInSync, plan } from '../../../src/plan/index.js';
import { input, inventoryFrom, observedFrom, rendered } from './fixtures.js';

test('a rendered warning is printed by an in-sync plan too, and --only keeps only its own', () => {
  const pool = { ...rendered('Pool/tcp'), warnings: ['listens on TCP 127.0.0.1:9000 (listen.unsafe): x'] };
  const rs = [pool, rendered('Site/a')];
  const p = plan(input(rs, observedFrom(rs), inventoryFrom(rs)));
  assert.ok(isInSync(p), 'a warning is not a change');
  assert.deepEqual(p.warnings, [{ key: 'Pool/tcp', message: pool.warnings[0] }]);
  assert.match(
    formatPlanText(p),
    /^warning: Pool\/tcp: listens on TCP 127\.0\.0\.1:9000 \(listen\.unsafe\): x$/m,
  );
  assert.deepEqual(JSON.parse(formatPlanJson(p)).warnings, [{ key: 'Pool/tcp', message: pool.warnings[0] }]);
  const only = plan(input(rs, observedFrom(rs), inventoryFrom(rs), { options: { only: 'Site/a' } }));
  assert.equal(only.warnings, undefined);
});

test('deleting a Pool whose account tend created says the account stays; other deletions say nothing', () => {
  const gone = [rendered('Pool/shop'), rendered('Pool/other')];
  const keep = [rendered('Site/keep'), rendered('Site/keep2'), rendered('Site/keep3')];
  const p = plan(
    input(keep, observedFrom([...gone, ...keep]), inventoryFrom([...gone, ...keep]), {
      accounts: new Map([['Pool/shop', 'shop']]),
    }),
  );
  assert.deepEqual(
    p.changes
      .filter((c) => c.action === 'delete')
      .map((c) => c.key)
      .sort(),
    ['Pool/other', 'Pool/shop'],
  );
  assert.equal(p.warnings?.length, 1);
  assert.match(
    p.warnings![0]!.message,
    /^system user shop, which tend created for it, stays: tend never deletes accounts/,
  );
  assert.equal(p.warnings![0]!.key, 'Pool/shop');
});
