// Runs the system `git` for the git source: argv only (no shell), no prompts, no credential
// helpers, no user or system config, ssh with only the configured key, and messages scrubbed of
// credentials before anyone sees them.
import { execa } from 'execa';
import { TendError } from '../errors/catalogue.js';
import { redactCredentials } from './url.js';

export interface GitResult {
  exitCode: number;
  stdout: string;
  /** Scrubbed of credentials, trimmed, at most 2 KiB. */
  stderr: string;
}

export interface GitEnvOptions {
  /** Private key for ssh remotes; its path is checked by checkKeyPath. */
  sshKey?: string;
}

/** GIT_SSH_COMMAND is run by a shell, so the key path may hold only characters that need no quoting. */
const SAFE_PATH = /^\/[A-Za-z0-9._/+-]+$/;

export function checkKeyPath(path: string): void {
  if (!SAFE_PATH.test(path))
    throw new TendError(
      'TEND_ERR_USAGE',
      `--git-ssh-key: expected an absolute path of letters, digits and ._/+- only, got ${JSON.stringify(path)}`,
    );
}

export function gitEnv(opts: GitEnvOptions): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    LANG: 'C',
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    SSH_ASKPASS: '/bin/false',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_OPTIONAL_LOCKS: '0',
  };
  if (opts.sshKey) {
    checkKeyPath(opts.sshKey);
    env.GIT_SSH_COMMAND =
      `ssh -i ${opts.sshKey} -o IdentitiesOnly=yes -o BatchMode=yes ` +
      '-o StrictHostKeyChecking=accept-new -o ConnectTimeout=15';
  }
  return env;
}

/** `git <args>`; never throws for a failing git, only reports. A timeout reads as exit code -1. */
export async function runGit(
  args: string[],
  opts: GitEnvOptions & { timeoutMs?: number; indexFile?: string; gnupgHome?: string } = {},
): Promise<GitResult> {
  const env = gitEnv(opts);
  if (opts.indexFile) env.GIT_INDEX_FILE = opts.indexFile;
  // verify-commit's gpg reads keys from tend's own home (verify.ts), never root's ~/.gnupg.
  if (opts.gnupgHome) env.GNUPGHOME = opts.gnupgHome;
  // No credential helper may run (it could prompt or read secrets from elsewhere).
  const argv = ['-c', 'credential.helper=', '-c', 'core.hooksPath=/dev/null', ...args];
  const r = await execa('git', argv, {
    env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const stderr = redactCredentials(String(r.stderr ?? ''))
    .trim()
    .slice(0, 2048);
  const exitCode = r.timedOut ? -1 : (r.exitCode ?? -1);
  return { exitCode, stdout: String(r.stdout ?? ''), stderr: r.timedOut ? `timed out; ${stderr}` : stderr };
}
