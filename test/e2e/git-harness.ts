// For the git-source e2e tests: a bare repository on disk served by `git daemon` on loopback (started
// here on a free port, killed after), and a work clone to commit and push from.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort } from '../helpers/e2e.js';
import { waitFor } from './serve-harness.js';
import { connect } from 'node:net';

export interface GitRemote {
  /** git://127.0.0.1:<port>/site.git */
  url: string;
  port: number;
  bare: string;
  work: string;
  /**
   * Writes files in the work clone (path → text; null removes), commits (signed when `sign` is
   * given: test/helpers/gpg.ts), pushes; returns the commit.
   */
  commit(files: Record<string, string | null>, message?: string, sign?: CommitSigner): string;
  /** `git push --force` of an older commit to the branch. */
  forcePush(rev: string): void;
  deleteBranch(): void;
  pushBranch(): void;
  git(...args: string[]): string;
  startDaemon(): Promise<void>;
  stopDaemon(): Promise<void>;
}

/** `-c` options and env that make `git commit` sign (GpgKey.gitSign). */
export interface CommitSigner {
  config: string[];
  env: Record<string, string>;
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });

export async function gitRemote(
  t: { after: (fn: () => Promise<void> | void) => void },
  base: string,
): Promise<GitRemote> {
  const served = join(base, 'remote');
  const bare = join(served, 'site.git');
  const work = join(base, 'work');
  mkdirSync(served, { recursive: true });
  const runAs = (cwd: string, sign: CommitSigner | undefined, ...args: string[]) => {
    const who = ['-c', 'user.email=e2e@tend.test', '-c', 'user.name=e2e', ...(sign?.config ?? [])];
    const r = spawnSync('git', [...who, ...args], {
      cwd,
      encoding: 'utf8',
      ...(sign ? { env: { ...process.env, ...sign.env } } : {}),
    });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const run = (cwd: string, ...args: string[]) => runAs(cwd, undefined, ...args);
  run(served, 'init', '--quiet', '--bare', '-b', 'main', bare);
  run(base, 'init', '--quiet', '-b', 'main', work);
  const port = await freePort();
  let daemon: ChildProcess | undefined;
  const remote: GitRemote = {
    url: `git://127.0.0.1:${port}/site.git`,
    port,
    bare,
    work,
    git: (...args) => run(work, ...args),
    commit(files, message = 'change', sign) {
      for (const [path, text] of Object.entries(files)) {
        const abs = join(work, path);
        if (text === null) rmSync(abs, { force: true, recursive: true });
        else {
          mkdirSync(dirname(abs), { recursive: true });
          writeFileSync(abs, text);
        }
      }
      run(work, 'add', '-A');
      runAs(work, sign, 'commit', '--quiet', '--allow-empty', ...(sign ? ['-S'] : []), '-m', message);
      run(work, 'push', '--quiet', '--force', bare, 'HEAD:refs/heads/main');
      return run(work, 'rev-parse', 'HEAD');
    },
    forcePush(rev) {
      run(work, 'reset', '--quiet', '--hard', rev);
      run(work, 'push', '--quiet', '--force', bare, 'HEAD:refs/heads/main');
    },
    deleteBranch() {
      // A push cannot delete a bare repository's HEAD branch; the server side can.
      run(work, '--git-dir', bare, 'update-ref', '-d', 'refs/heads/main');
    },
    pushBranch() {
      run(work, 'push', '--quiet', '--force', bare, 'HEAD:refs/heads/main');
    },
    async startDaemon() {
      daemon = spawn(
        'git',
        [
          'daemon',
          '--export-all',
          `--base-path=${served}`,
          '--listen=127.0.0.1',
          `--port=${port}`,
          '--reuseaddr',
          served,
        ],
        { stdio: 'ignore' },
      );
      await waitFor('git daemon to listen', () => portOpen(port));
    },
    async stopDaemon() {
      const d = daemon;
      daemon = undefined;
      if (!d || d.exitCode !== null || d.signalCode !== null) return;
      const gone = new Promise((r) => d.on('exit', r));
      d.kill('SIGTERM');
      await gone;
      await waitFor('git daemon to stop listening', async () => !(await portOpen(port)));
    },
  };
  t.after(() => remote.stopDaemon());
  return remote;
}
