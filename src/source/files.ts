// Finds and reads the desired-state files: every *.yaml / *.yml, sorted, within the size limit.
import {
  closeSync,
  constants as fsConstants,
  fstatSync,
  openSync,
  readFileSync,
  readlinkSync,
  realpathSync,
} from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { TendError, type ErrorCode } from '../errors/catalogue.js';
import { quote } from './describe.js';
import { LIMITS } from './types.js';

const SKIP_DIRS = new Set(['node_modules']);
const YAML_FILE = /\.ya?ml$/i;

/** The path under root with "/" separators; a plain slice for what the walk joined (the usual case). */
const toRel = (root: string, abs: string) =>
  sep === '/' && abs.startsWith(`${root}/`) && !root.endsWith('/')
    ? abs.slice(root.length + 1)
    : relative(root, abs).split(sep).join('/');

/** Absolute paths of YAML files under dir, sorted by relative path; refuses a missing dir. */
export async function listYamlFiles(dir: string): Promise<string[]> {
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new Error('not a directory');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new TendError(
      'TEND_ERR_SOURCE_UNREADABLE',
      `desired-state directory ${dir} cannot be read (${why})`,
      {
        dir,
      },
    );
  }
  const found: string[] = [];
  const rootReal = await realpath(dir).catch(() => dir);
  // `chain`: the real paths from the root down to d, so a link back up the tree does not loop.
  const walk = async (d: string, chain: readonly string[] = [rootReal]): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      const abs = join(d, e.name);
      if (e.name.startsWith('.')) continue;
      // A symlinked directory could loop or leave the tree; symlinked files are read like files
      // when they resolve inside it (readYamlFile checks the opened descriptor).
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) await walk(abs, [...chain, join(chain.at(-1)!, e.name)]);
      } else if (e.isSymbolicLink() && !SKIP_DIRS.has(e.name) && (await isDirectory(abs))) {
        // A symlinked directory is walked when it stays inside the tree; one leading out is listed
        // as a file, so the reader refuses it with an error located at the link.
        const real = await realpath(abs).catch(() => undefined);
        if (real === undefined || !(real === rootReal || real.startsWith(`${rootReal}/`))) found.push(abs);
        else if (!chain.includes(real)) await walk(abs, [...chain, real]);
      } else if (YAML_FILE.test(e.name) && (e.isFile() || e.isSymbolicLink())) {
        found.push(abs);
        if (found.length > LIMITS.maxFiles)
          throw new TendError(
            'TEND_ERR_SOURCE_LIMIT',
            `expected at most ${LIMITS.maxFiles} YAML files under ${dir}, found more`,
          );
      }
    }
  };
  try {
    await walk(dir);
  } catch (err) {
    if (err instanceof TendError) throw err;
    throw new TendError(
      'TEND_ERR_SOURCE_UNREADABLE',
      `desired-state directory ${dir} cannot be read: ${String(err)}`,
    );
  }
  // Each relative path computed once, not twice per comparison.
  return found
    .map((abs) => ({ abs, rel: toRel(dir, abs) }))
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))
    .map((e) => e.abs);
}

const isDirectory = (abs: string) =>
  stat(abs).then(
    (st) => st.isDirectory(),
    () => false,
  );

export type ReadOutcome =
  { ok: true; text: string } | { ok: false; message: string; limit: boolean; code?: ErrorCode };

/** The desired-state dir with every symlink resolved: what an opened file must lie under. */
export function realRoot(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    return root;
  }
}

/**
 * Where the open descriptor really is. tend reads as root: a link (or a directory swapped for one
 * after the walk) that leads out of the tree, e.g. to /etc/shadow, must be refused before a byte is
 * read, because parse errors quote what they found.
 */
function outsideTree(fd: number, treeReal: string): string | undefined {
  let real: string;
  try {
    real = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
  return real === treeReal || real.startsWith(treeReal.endsWith('/') ? treeReal : `${treeReal}/`)
    ? undefined
    : real;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Synchronous on purpose: a thousand small files cost ~45 ms this way and ~250 ms through
 * fs/promises, and the caller yields between batches. Opened non-blocking and checked on the open
 * descriptor, so a FIFO named *.yaml cannot hang the read and the file checked is the file read.
 */
export function readYamlFile(abs: string, treeReal?: string): ReadOutcome {
  let fd: number | undefined;
  try {
    fd = openSync(abs, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    const escaped = treeReal === undefined ? undefined : outsideTree(fd, treeReal);
    if (escaped !== undefined)
      return {
        ok: false,
        limit: false,
        code: 'TEND_ERR_SYMLINK_REFUSED',
        message: `expected a file inside the desired-state directory, got a symlink to ${quote(escaped, 200)}; refused`,
      };
    const st = fstatSync(fd);
    if (!st.isFile()) return { ok: false, message: 'not a regular file', limit: false };
    if (st.size > LIMITS.maxFileBytes)
      return {
        ok: false,
        limit: true,
        message: `expected a file of at most ${LIMITS.maxFileBytes} bytes (1 MiB), got ${st.size} bytes`,
      };
    const buf = readFileSync(fd);
    // Re-check: the file may have grown between stat and read.
    if (buf.length > LIMITS.maxFileBytes)
      return {
        ok: false,
        limit: true,
        message: `expected a file of at most ${LIMITS.maxFileBytes} bytes (1 MiB)`,
      };
    return { ok: true, text: utf8.decode(buf) };
  } catch (err) {
    if (err instanceof TypeError) return { ok: false, limit: false, message: 'expected UTF-8 text' };
    const e = err as NodeJS.ErrnoException;
    return { ok: false, limit: false, message: `cannot be read (${e.code ?? e.message})` };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export { toRel };
