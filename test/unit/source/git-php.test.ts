// gitRevision against real git in a temp dir (PHP detection lives with observation: observe/observe.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { gitRevision } from '../../../src/source/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { writeTree } from './helpers.js';

const hasGit = (() => {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

test(
  'gitRevision: undefined outside a work tree and before the first commit',
  { skip: !hasGit },
  async (t) => {
    const dir = tempDir(t);
    writeTree(dir, { 'ds/a.yaml': 'x: 1\n' });
    // A temp dir has no repository above it on a sane machine; GIT_CEILING would be the strict way.
    assert.equal(await gitRevision(join(dir, 'missing')), undefined);
    execFileSync('git', ['init', '-q', dir]);
    assert.equal(await gitRevision(join(dir, 'ds')), undefined);
  },
);

test(
  'gitRevision: the HEAD commit, and dirty only for changes under the directory',
  { skip: !hasGit },
  async (t) => {
    const dir = tempDir(t);
    writeTree(dir, { 'ds/a.yaml': 'x: 1\n', 'other.txt': 'o\n' });
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', dir, '-c', 'user.email=t@t', '-c', 'user.name=t', ...args], {
        encoding: 'utf8',
      }).trim();
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'one');
    const head = git('rev-parse', 'HEAD');
    assert.deepEqual(await gitRevision(join(dir, 'ds')), { commit: head, dirty: false });
    writeTree(dir, { 'other.txt': 'changed\n' });
    assert.deepEqual(await gitRevision(join(dir, 'ds')), { commit: head, dirty: false });
    writeTree(dir, { 'ds/b.yaml': 'y: 1\n' });
    assert.deepEqual(await gitRevision(join(dir, 'ds')), { commit: head, dirty: true });
  },
);
