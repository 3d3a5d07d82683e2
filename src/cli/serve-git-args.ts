// `tend serve --git …` options, checked up front: a URL with credentials, an odd branch name or a
// path leaving the repository is refused before anything is fetched.
import { statSync } from 'node:fs';
import { isAbsolute, normalize, resolve } from 'node:path';
import { TendError } from '../errors/catalogue.js';
import { checkKeyPath } from '../gitsource/git-cli.js';
import { checkGitUrl } from '../gitsource/url.js';
import { durationMs } from '../model/primitives.js';

export interface GitArgs {
  url: string;
  branch: string;
  /** Relative, normalized, "" for the repository's root. */
  path: string;
  intervalMs: number;
  sshKey?: string;
  maxBytes: number;
  partialApply: boolean;
  /** --git-verify: an OpenPGP public keyring file (absolute); only commits its keys signed apply. */
  verifyKeyring?: string;
}

export const GIT_FLAGS = {
  git: { type: 'string' },
  'git-branch': { type: 'string' },
  'git-path': { type: 'string' },
  'git-interval': { type: 'string' },
  'git-ssh-key': { type: 'string' },
  'git-max-size': { type: 'string' },
  'git-verify': { type: 'string' },
  'partial-apply': { type: 'boolean' },
} as const;

/** A branch name git accepts and no option or revision syntax can hide in. */
const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*\.lock$)[A-Za-z0-9._/-]{1,200}(?<![/.])$/;

type GitValues = {
  [K in keyof typeof GIT_FLAGS]?: (typeof GIT_FLAGS)[K]['type'] extends 'boolean' ? boolean : string;
};

export function parseGitArgs(values: GitValues, cwd: string): { git?: GitArgs } {
  const usage = (m: string) => new TendError('TEND_ERR_USAGE', m);
  if (values.git === undefined) {
    const stray = Object.keys(GIT_FLAGS).find(
      (k) => k !== 'git' && k !== 'partial-apply' && values[k as keyof GitValues] !== undefined,
    );
    if (stray) throw usage(`--${stray} needs --git URL`);
    return {};
  }
  checkGitUrl(values.git);
  const branch = values['git-branch'] ?? 'main';
  if (!BRANCH.test(branch))
    throw usage(`expected --git-branch as a branch name, got ${JSON.stringify(branch)}`);
  const rawPath = values['git-path'] ?? '';
  const path = rawPath === '' ? '' : normalize(rawPath).replace(/\/+$/, '');
  if (isAbsolute(rawPath) || path === '..' || path.startsWith('../'))
    throw usage(`expected --git-path relative to the repository's root, got ${JSON.stringify(rawPath)}`);
  const intervalMs = durationMs(values['git-interval'] ?? '1m');
  if (!Number.isFinite(intervalMs) || intervalMs < 1000)
    throw usage(
      `expected --git-interval as a duration of at least 1s (e.g. 30s, 5m), got "${values['git-interval']}"`,
    );
  const size = values['git-max-size'] ?? String(1024 ** 3);
  const maxBytes = Number(size);
  if (!/^\d{1,15}$/.test(size) || maxBytes < 1)
    throw usage(`expected --git-max-size as a positive number of bytes, got "${size}"`);
  let sshKey: string | undefined;
  if (values['git-ssh-key'] !== undefined) {
    sshKey = resolve(cwd, values['git-ssh-key']);
    checkKeyPath(sshKey);
  }
  let verifyKeyring: string | undefined;
  if (values['git-verify'] !== undefined) {
    verifyKeyring = resolve(cwd, values['git-verify']);
    const st = (() => {
      try {
        return statSync(verifyKeyring);
      } catch {
        return undefined;
      }
    })();
    if (!st?.isFile())
      throw usage(
        `expected --git-verify as a keyring file (gpg --export KEY > FILE), got ${JSON.stringify(values['git-verify'])}: ${st ? 'not a regular file' : 'no such file'}`,
      );
  }
  return {
    git: {
      url: values.git,
      branch,
      path: path === '.' ? '' : path,
      intervalMs,
      ...(sshKey ? { sshKey } : {}),
      maxBytes,
      partialApply: values['partial-apply'] === true,
      ...(verifyKeyring ? { verifyKeyring } : {}),
    },
  };
}
