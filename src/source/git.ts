// The git revision of the desired state, for status.lastAppliedRevision; absent when not a work tree.
// Plain child_process rather than execa: this runs on every plan, and execa costs ~150 ms to import.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface GitRevision {
  /** Full 40-hex commit of HEAD. */
  commit: string;
  /** True when tracked or untracked files differ from HEAD: the applied state is not exactly `commit`. */
  dirty: boolean;
}

const COMMIT = /^[0-9a-f]{40}$/;
const TIMEOUT_MS = 10_000;

/** Runs git with argv only (no shell); exit code -1 when it cannot start or is killed by the timeout. */
function git(args: string[]): Promise<{ exitCode: number; stdout: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    const child = spawn('git', args, {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
      timeout: TIMEOUT_MS,
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    child.on('error', () => resolve({ exitCode: -1, stdout }));
    child.on('close', (code) => resolve({ exitCode: code ?? -1, stdout }));
  });
}

/**
 * Whether git could find a repository for dir: a `.git` (directory, or file for worktrees and
 * submodules) in dir or above, or GIT_DIR set. A daemon plans every 30 s, and a desired-state dir
 * outside git should not cost two process spawns each time.
 */
function mayBeInRepository(dir: string): boolean {
  if (process.env.GIT_DIR) return true;
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(`${d}/.git`)) return true;
    if (dirname(d) === d) return false;
  }
}

/**
 * `git -C dir rev-parse HEAD` plus a `status --porcelain` for dirtiness. Undefined when git is
 * missing, dir is not inside a work tree, or the repository has no commit yet. Never throws.
 */
export async function gitRevision(dir: string): Promise<GitRevision | undefined> {
  try {
    if (!mayBeInRepository(dir)) return undefined;
    const head = await git(['-C', dir, 'rev-parse', '--verify', '--quiet', 'HEAD']);
    const commit = head.stdout.trim();
    if (head.exitCode !== 0 || !COMMIT.test(commit)) return undefined;
    // Only the desired-state subtree matters: edits elsewhere in the repository are not "dirty" here.
    const status = await git(['-C', dir, 'status', '--porcelain', '--untracked-files=normal', '--', '.']);
    return { commit, dirty: status.exitCode !== 0 || status.stdout.trim() !== '' };
  } catch {
    return undefined;
  }
}
