// Shared by the gitsource tests: a git work tree on disk to commit to (signed with a test key when
// one is given), and a GitSource on a URL with the defaults those tests use (an hour's interval,
// whole-revision validation, a silent log).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { GitSource } from '../../../src/gitsource/source.js';
import type { GitSourceOptions } from '../../../src/gitsource/source-types.js';
import { loadDesiredState } from '../../../src/source/index.js';
import type { GpgKey } from '../../helpers/gpg.js';

export interface WorkRepo {
  /** The work tree (a GitSource's URL). */
  work: string;
  /** `git ARGS` in the work tree as `key` (its signing config) or as no one; asserts it succeeded. */
  git(key: GpgKey | undefined, ...args: string[]): string;
  /** Writes `files`, commits everything (signed with `key` when given); the new revision. */
  commit(files: Record<string, string>, opts?: { message?: string; key?: GpgKey }): string;
}

/** `dir/work`, a new repository on branch main. */
export function workRepo(dir: string): WorkRepo {
  const work = join(dir, 'work');
  mkdirSync(work);
  const git = (key: GpgKey | undefined, ...args: string[]) => {
    const who = ['-c', 'user.email=t@t', '-c', 'user.name=t', ...(key?.gitSign.config ?? [])];
    const r = spawnSync('git', [...who, ...args], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, ...(key?.gitSign.env ?? {}) },
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  git(undefined, 'init', '--quiet', '-b', 'main');
  return {
    work,
    git,
    commit(files, { message = 'c', key } = {}) {
      for (const [f, text] of Object.entries(files)) writeFileSync(join(work, f), text);
      git(key, 'add', '-A');
      git(key, 'commit', '--quiet', '--allow-empty', ...(key ? ['-S'] : []), '-m', message);
      return git(undefined, 'rev-parse', 'HEAD');
    },
  };
}

/** A GitSource on `url` with its state under `dir/state`; `over` replaces any default. */
export function gitSourceOn(dir: string, url: string, over: Partial<GitSourceOptions> = {}): GitSource {
  return new GitSource({
    stateDir: join(dir, 'state'),
    url,
    branch: 'main',
    path: '',
    intervalMs: 3_600_000,
    maxBytes: 1024 ** 3,
    partialApply: false,
    validate: (d) => loadDesiredState(d),
    onSwitch: async () => {},
    log: pino({ level: 'silent' }),
    ...over,
  });
}
