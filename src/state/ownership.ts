// tend's own paths (root, state dir, API token, Terminal tokens) must belong to the user tend runs
// as and be writable by nobody else; otherwise another user could plant a token or swap state
// under a root daemon. Checked before anything is read from them, like sshd's StrictModes.
import { join } from 'node:path';
import { TendError } from '../errors/catalogue.js';
import type { FileStat, Host } from '../host/index.js';

export interface OwnPaths {
  root: string;
  stateDir: string;
  /** The API token file tend uses (its own under the state dir, or the operator's --token-file). */
  tokenFile?: string;
}

const octal = (mode: number) => mode.toString(8).padStart(4, '0');

function refuse(path: string, what: string, got: string, fix: string): TendError {
  return new TendError(
    'TEND_ERR_STATE_OWNERSHIP',
    `expected ${what} ${path} to be owned by uid ${process.geteuid?.() ?? 0} (the user tend runs as) ` +
      `and writable by no one else, got ${got}; ${fix}`,
    { path },
  );
}

/** Mode bits nobody but the owner may have: write for dirs, everything for tend's own secrets. */
const SHARED_DIR = 0o022;
const PRIVATE = 0o077;
/** The operator's --token-file may be readable by a group of operators (0640), never writable. */
const OPERATOR_TOKEN = 0o026;

function checkOne(path: string, st: FileStat, what: string, forbidden: number): void {
  const uid = process.geteuid?.() ?? 0;
  if (st.uid !== uid)
    throw refuse(
      path,
      what,
      `owner uid ${st.uid}`,
      `if it is yours, chown ${uid} ${path}; if not, remove it`,
    );
  if ((st.mode & forbidden) !== 0)
    throw refuse(path, what, `mode ${octal(st.mode)}`, `run chmod ${octal(st.mode & ~forbidden)} ${path}`);
}

/** lstat, and refuse a symlink: whoever owns the link's directory could point it anywhere. */
async function lstatNoLink(host: Host, path: string, what: string): Promise<FileStat | undefined> {
  const st = await host.fs.lstat(path);
  if (st?.isSymlink)
    throw new TendError(
      'TEND_ERR_STATE_OWNERSHIP',
      `expected ${what} ${path} to be a plain ${what.includes('dir') ? 'directory' : 'file'}, got a symlink; ` +
        'point tend at the real path instead',
      { path },
    );
  return st;
}

/**
 * Refuses to run on a root, state dir or token that another user owns or can write. The dirs
 * exist by now (the caller creates them); tokens are checked only where present.
 */
export async function checkOwnPaths(host: Host, paths: OwnPaths): Promise<void> {
  for (const [path, what] of [
    [paths.root, 'the root dir'],
    [paths.stateDir, 'the state dir'],
  ] as const) {
    const st = await host.fs.stat(path);
    if (st) checkOne(path, st, what, SHARED_DIR);
  }
  const apiToken = paths.tokenFile ?? join(paths.stateDir, 'api-token');
  const token = await lstatNoLink(host, apiToken, 'the API token file');
  if (token)
    checkOne(apiToken, token, 'the API token file', paths.tokenFile === undefined ? PRIVATE : OPERATOR_TOKEN);
  const terminals = join(paths.stateDir, 'terminals');
  const dir = await lstatNoLink(host, terminals, 'the Terminal token dir');
  if (!dir) return;
  checkOne(terminals, dir, 'the Terminal token dir', PRIVATE);
  for (const name of await host.fs.readdir(terminals)) {
    const file = join(terminals, name);
    const st = await lstatNoLink(host, file, 'the Terminal token file');
    if (st) checkOne(file, st, 'the Terminal token file', PRIVATE);
  }
}
