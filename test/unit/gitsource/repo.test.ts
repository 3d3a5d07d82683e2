// GitRepo against a real repository on disk: checkouts are complete or absent, the current link
// switches in one rename, and pruning keeps the last three plus whatever is in use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { GitRepo, gitPaths } from '../../../src/gitsource/repo.js';
import { tempDir } from '../../helpers/tmp.js';
import { workRepo } from './work-repo.js';

function fixture(dir: string, commits: number): string[] {
  const repo = workRepo(dir);
  const revs: string[] = [];
  for (let i = 0; i < commits; i++)
    revs.push(repo.commit({ 'site.yaml': `# revision ${i}\n` }, { message: `c${i}` }));
  return revs;
}

test('fetch, materialize, switch and prune', async (t) => {
  const dir = tempDir(t, 'tend-gitrepo-');
  const revs = fixture(dir, 5);
  const repo = new GitRepo(gitPaths(join(dir, 'state')), {});
  await repo.prepare();
  const fetched = await repo.fetch(join(dir, 'work'), 'main', 1024 ** 3);
  assert.deepEqual(fetched, { ok: true, revision: revs[4] });
  assert.equal(await repo.currentRevision(), undefined);

  let age = 1_000;
  for (const rev of revs) {
    const d = await repo.materialize(rev);
    assert.equal(readFileSync(join(d, 'site.yaml'), 'utf8'), `# revision ${revs.indexOf(rev)}\n`);
    await repo.switchTo(rev);
    // Distinct mtimes without sleeping: older switches look older.
    utimesSync(d, age, age);
    age += 1_000;
    assert.equal(await repo.currentRevision(), rev);
    assert.equal(readlinkSync(repo.paths.current), `checkouts/${rev}`);
  }
  // revs[0] is pinned: it survives although it is the oldest.
  const removed = await repo.prune(new Set([revs[4]!, revs[0]!]));
  assert.deepEqual(removed.sort(), [revs[1], revs[2]].sort());
  const left = readdirSync(repo.paths.checkouts).sort();
  assert.deepEqual(left, [revs[0], revs[3], revs[4]].sort());
});

test('a missing branch and an oversized repository are failures that leave the last ref alone', async (t) => {
  const dir = tempDir(t, 'tend-gitrepo-');
  const revs = fixture(dir, 1);
  const repo = new GitRepo(gitPaths(join(dir, 'state')), {});
  await repo.prepare();
  assert.equal((await repo.fetch(join(dir, 'work'), 'main', 1024 ** 3)).ok, true);
  const missing = await repo.fetch(join(dir, 'work'), 'nope', 1024 ** 3);
  assert.equal(missing.ok, false);
  assert.equal(!missing.ok && missing.reason, 'BranchNotFound');
  const big = await repo.fetch(join(dir, 'work'), 'main', 10);
  assert.equal(!big.ok && big.reason, 'RepositoryTooLarge');
  assert.equal(await repo.resolve('refs/tend/main'), revs[0]);
});

test('prepare removes half-written checkouts left by a kill', async (t) => {
  const dir = tempDir(t, 'tend-gitrepo-');
  const repo = new GitRepo(gitPaths(join(dir, 'state')), {});
  await repo.prepare();
  const stale = join(repo.paths.checkouts, `.tmp-${'a'.repeat(40)}-999999`);
  mkdirSync(join(stale, 'deep'), { recursive: true });
  writeFileSync(join(stale, 'deep/x.yaml'), 'x');
  await repo.prepare();
  assert.equal(existsSync(stale), false);
});
