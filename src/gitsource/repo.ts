// The git source's files under <stateDir>/git: a bare repository fetched from the remote, one
// immutable directory per checked-out revision, and the `current` link loads read through.
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readlink, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runGit, type GitEnvOptions } from './git-cli.js';

export const COMMIT = /^[0-9a-f]{40}$/;
/** Checkouts kept, the current one included, so a pin or a rollback rarely checks out again. */
export const KEEP_CHECKOUTS = 3;

export interface GitPaths {
  base: string;
  repo: string;
  checkouts: string;
  current: string;
}

export function gitPaths(stateDir: string): GitPaths {
  const base = join(stateDir, 'git');
  return {
    base,
    repo: join(base, 'repo'),
    checkouts: join(base, 'checkouts'),
    current: join(base, 'current'),
  };
}

/** Why a fetch failed, from git's own message: the reason of the SourceReady condition. */
export type FetchFailure =
  'AuthenticationFailed' | 'BranchNotFound' | 'Unreachable' | 'RepositoryTooLarge' | 'FetchFailed';

export function classifyFetchError(stderr: string): FetchFailure {
  const s = stderr.toLowerCase();
  if (/couldn't find remote ref|remote ref does not exist|no such ref/.test(s)) return 'BranchNotFound';
  if (
    /permission denied|authentication failed|could not read username|publickey|host key verification/.test(s)
  )
    return 'AuthenticationFailed';
  if (
    /could not resolve|connection refused|timed out|unable to connect|network is unreachable|no route to host|could not read from remote|unable to look up|does not appear to be a git repository|not found/.test(
      s,
    )
  )
    return 'Unreachable';
  return 'FetchFailed';
}

export type FetchResult =
  { ok: true; revision: string } | { ok: false; reason: FetchFailure; message: string };

export class GitRepo {
  constructor(
    readonly paths: GitPaths,
    private readonly env: GitEnvOptions,
  ) {}

  private git(args: string[], extra: { timeoutMs?: number; indexFile?: string } = {}) {
    return runGit(['--git-dir', this.paths.repo, ...args], { ...this.env, ...extra });
  }

  /** Creates the bare repository and the checkouts dir; removes checkouts a kill left half-written. */
  async prepare(): Promise<void> {
    await mkdir(this.paths.checkouts, { recursive: true, mode: 0o700 });
    if (!existsSync(join(this.paths.repo, 'HEAD'))) {
      await rm(this.paths.repo, { recursive: true, force: true });
      const r = await runGit(['init', '--quiet', '--bare', this.paths.repo], this.env);
      if (r.exitCode !== 0) throw new Error(`git init failed: ${r.stderr}`);
    }
    await this.sweepTemps();
    await rm(join(this.paths.base, '.current-tmp'), { force: true });
  }

  /**
   * Removes checkouts a killed tend left half-written. A SIGKILL does not kill its git child, which
   * may still be writing there: a removal that fails now is retried at the next prune. Such a
   * directory is never used (only a complete checkout is renamed to its commit's name).
   */
  async sweepTemps(): Promise<void> {
    const mine = `-${process.pid}`;
    for (const name of await readdir(this.paths.checkouts).catch(() => [] as string[]))
      if (name.startsWith('.tmp-') && !name.replace(/\.index$/, '').endsWith(mine))
        await rm(join(this.paths.checkouts, name), { recursive: true, force: true, maxRetries: 2 }).catch(
          () => undefined,
        );
  }

  /**
   * Fetches branch into refs/tend/<branch>, forced: a force-push to an older commit is a revision
   * like any other. The ref is replaced only by a successful fetch, so a failure loses nothing.
   */
  async fetch(url: string, branch: string, maxBytes: number): Promise<FetchResult> {
    const ref = `refs/tend/${branch}`;
    const r = await this.git([
      'fetch',
      '--quiet',
      '--no-tags',
      '--no-write-fetch-head',
      '--force',
      '--',
      url,
      `+refs/heads/${branch}:${ref}`,
    ]);
    if (r.exitCode !== 0) {
      const message = r.stderr || `git fetch exited with ${r.exitCode}`;
      return { ok: false, reason: classifyFetchError(message), message };
    }
    const size = await this.sizeBytes();
    if (size > maxBytes)
      return {
        ok: false,
        reason: 'RepositoryTooLarge',
        message: `expected a repository of at most ${maxBytes} bytes, got ${size} bytes after fetching`,
      };
    const rev = await this.resolve(ref);
    if (!rev) return { ok: false, reason: 'FetchFailed', message: `fetched, but ${ref} does not resolve` };
    return { ok: true, revision: rev };
  }

  /** Bytes of objects in the repository (loose and packed). */
  async sizeBytes(): Promise<number> {
    const r = await this.git(['count-objects', '-v']);
    let kib = 0;
    for (const line of r.stdout.split('\n')) {
      const m = /^(size|size-pack): (\d+)$/.exec(line.trim());
      if (m) kib += Number(m[2]);
    }
    return kib * 1024;
  }

  /** The full commit a ref or abbreviated hash names, or undefined. */
  async resolve(rev: string): Promise<string | undefined> {
    const r = await this.git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
    const commit = r.stdout.trim();
    return r.exitCode === 0 && COMMIT.test(commit) ? commit : undefined;
  }

  /** True when `older` is an ancestor of `newer` (a fast-forward); false for a force-push. */
  async isAncestor(older: string, newer: string): Promise<boolean> {
    return (await this.git(['merge-base', '--is-ancestor', older, newer])).exitCode === 0;
  }

  checkoutDir(rev: string): string {
    return join(this.paths.checkouts, rev);
  }

  /**
   * The directory holding revision `rev`, checked out now if needed: written under a temp name and
   * renamed, so a directory named after a commit is always complete (a SIGKILL leaves only a temp).
   */
  async materialize(rev: string): Promise<string> {
    if (!COMMIT.test(rev)) throw new Error(`expected a 40-hex commit, got ${JSON.stringify(rev)}`);
    const dir = this.checkoutDir(rev);
    if (existsSync(dir)) return dir;
    const tmp = join(this.paths.checkouts, `.tmp-${rev}-${process.pid}`);
    const index = `${tmp}.index`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { mode: 0o755 });
    try {
      const r = await this.git(['--work-tree', tmp, 'checkout', '--quiet', '--force', rev, '--', '.'], {
        indexFile: index,
      });
      if (r.exitCode !== 0) throw new Error(`git checkout ${rev} failed: ${r.stderr}`);
      await checkoutWindowHook();
      await rename(tmp, dir);
    } finally {
      await rm(tmp, { recursive: true, force: true });
      await rm(index, { force: true });
    }
    return dir;
  }

  /** Points `current` at the checkout of rev in one rename; loads never see a half-switched tree. */
  async switchTo(rev: string): Promise<void> {
    const tmp = join(this.paths.base, '.current-tmp');
    await rm(tmp, { force: true });
    await symlink(join('checkouts', rev), tmp);
    await rename(tmp, this.paths.current);
    const now = new Date();
    // The mtime records when a checkout last served, for pruning.
    await utimes(this.checkoutDir(rev), now, now).catch(() => undefined);
  }

  /** The revision `current` points at, or undefined before the first switch. */
  async currentRevision(): Promise<string | undefined> {
    try {
      const target = await readlink(this.paths.current);
      const rev = target.split('/').pop() ?? '';
      return COMMIT.test(rev) && existsSync(this.checkoutDir(rev)) ? rev : undefined;
    } catch {
      return undefined;
    }
  }

  /** Removes all but the KEEP_CHECKOUTS most recently served checkouts, never one in `keep`. */
  async prune(keep: ReadonlySet<string>): Promise<string[]> {
    const entries: { name: string; mtime: number }[] = [];
    for (const name of await readdir(this.paths.checkouts)) {
      if (!COMMIT.test(name)) continue;
      const st = await lstat(join(this.paths.checkouts, name)).catch(() => undefined);
      if (st) entries.push({ name, mtime: st.mtimeMs });
    }
    entries.sort((a, b) => b.mtime - a.mtime);
    const removed: string[] = [];
    let kept = [...keep].filter((k) => entries.some((e) => e.name === k)).length;
    for (const e of entries) {
      if (keep.has(e.name)) continue;
      if (kept < KEEP_CHECKOUTS) {
        kept++;
        continue;
      }
      await rm(join(this.paths.checkouts, e.name), { recursive: true, force: true });
      removed.push(e.name);
    }
    await this.sweepTemps();
    return removed;
  }
}

/**
 * Test hook for the SIGKILL-mid-checkout test (like TEND_TEST_HUP_WINDOW in apply/hup-first.ts):
 * with TEND_TEST_CHECKOUT_WINDOW set to a path, a written checkout still under its temp name
 * records tend's pid there and waits to be killed. Unset (always, outside tests) it costs nothing.
 */
async function checkoutWindowHook(): Promise<void> {
  const marker = process.env.TEND_TEST_CHECKOUT_WINDOW;
  if (!marker) return;
  await writeFile(marker, `${process.pid}\n`);
  for (;;) await new Promise((r) => setTimeout(r, 1_000));
}
