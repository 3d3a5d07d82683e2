// GitSource against a real repository on disk (no daemon): a revision that does not validate is held
// whole and not re-validated every fetch, --partial-apply switches to it anyway, and a pin to an
// invalid revision is refused while one to a valid revision holds until unpin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTendError } from '../../../src/errors/catalogue.js';
import { loadDesiredState, type LoadResult } from '../../../src/source/index.js';
import { staticSiteYaml } from '../../helpers/e2e.js';
import { tempDir } from '../../helpers/tmp.js';
import { gitSourceOn, workRepo } from './work-repo.js';

function source(dir: string, url: string, partialApply: boolean) {
  const switched: string[] = [];
  let validations = 0;
  const src = gitSourceOn(dir, url, {
    partialApply,
    validate: async (d): Promise<LoadResult> => {
      validations++;
      return loadDesiredState(d);
    },
    onSwitch: async (rev) => {
      switched.push(rev);
    },
  });
  return { src, switched, validations: () => validations };
}

const BAD = 'apiVersion: tend/v1\nkind: Site\nmetadata: { name: bad }\nspec: { notAField: 1 }\n';

test('an invalid revision is held whole, once; the served revision stays', async (t) => {
  const dir = tempDir(t, 'tend-gitsrc-');
  const r = workRepo(dir);
  const good = r.commit({ 'a.yaml': staticSiteYaml('a', '/srv/www/a') });
  const { src, switched, validations } = source(dir, r.work, false);
  t.after(() => src.stop());
  await src.start();
  assert.deepEqual(switched, [good]);
  const bad = r.commit({ 'b.yaml': BAD });
  const s = await src.refresh();
  assert.equal(s.revision, good);
  assert.equal(s.lastAttemptedRevision, bad);
  assert.equal(s.conditions[0]?.reason, 'InvalidRevision');
  assert.match(s.conditions[0]!.message, /b\.yaml/);
  const before = validations();
  await src.refresh();
  assert.equal(validations(), before, 'the held revision is not validated again');
  // An operator's refresh (the API, `tend source refresh`) does validate it again.
  assert.equal((await src.refresh({ retryHeld: true })).lastAttemptedRevision, bad);
  assert.equal(validations(), before + 1);
  assert.equal((await src.resolveDesired())?.revision, good);
  assert.deepEqual(switched, [good]);

  await assert.rejects(src.pin(bad), (e) => isTendError(e) && e.code === 'TEND_ERR_SOURCE_REVISION');
  assert.equal(src.status().revision, good);
  const fixed = r.commit({ 'b.yaml': staticSiteYaml('b', '/srv/www/b') });
  const pinned = await src.pin(good.slice(0, 10));
  assert.equal(pinned.pinnedRevision, good);
  assert.equal((await src.refresh()).revision, good, 'a pin holds against the branch');
  assert.equal((await src.unpin()).revision, fixed);
  assert.deepEqual(switched, [good, fixed]);
});

test('--partial-apply switches to a revision that only partly validates', async (t) => {
  const dir = tempDir(t, 'tend-gitsrc-');
  const r = workRepo(dir);
  r.commit({ 'a.yaml': staticSiteYaml('a', '/srv/www/a') });
  const { src, switched } = source(dir, r.work, true);
  t.after(() => src.stop());
  await src.start();
  const partial = r.commit({ 'b.yaml': BAD });
  const s = await src.refresh();
  assert.equal(s.revision, partial);
  assert.equal(s.conditions[0]?.status, 'True');
  assert.equal(switched.at(-1), partial);
  const load = await loadDesiredState((await src.resolveDesired())!.dir);
  assert.deepEqual(
    load.resources.map((x) => x.key),
    ['Site/a'],
  );
});

test('an interval refresh that throws is a condition, not an unhandled rejection', async (t) => {
  const dir = tempDir(t, 'tend-gitsrc-');
  const r = workRepo(dir);
  r.commit({ 'a.yaml': staticSiteYaml('a', '/srv/www/a') });
  let fail = false;
  const src = gitSourceOn(dir, r.work, {
    intervalMs: 50,
    onSwitch: async () => {
      if (fail) throw new Error('disk full while applying');
    },
  });
  t.after(() => src.stop());
  await src.start();
  fail = true;
  r.commit({ 'b.yaml': staticSiteYaml('b', '/srv/www/b') });
  const deadline = Date.now() + 30_000;
  while (src.status().conditions[0]?.reason !== 'RefreshFailed') {
    assert.ok(Date.now() < deadline, 'timed out waiting for RefreshFailed');
    await new Promise((res) => setTimeout(res, 20));
  }
  assert.equal(src.status().conditions[0]?.status, 'Unknown');
  assert.match(src.status().conditions[0]!.message, /disk full while applying/);
});
