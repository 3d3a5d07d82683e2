// File primitives the state dir needs beyond HostFs (append, exclusive create, rename), and the
// one way a corrupt state file is reported: keep its bytes aside, then refuse to continue.
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TendError } from '../errors/catalogue.js';
import type { Host, HostFs } from '../host/index.js';

/**
 * Optional HostFs extensions. A Host that implements them (a recording fake, a future HostFs) is
 * used; otherwise node's fs does the work, because HostFs has no append, no exclusive create and
 * no plain rename yet, and the lock and the event log cannot be built from atomic replaces alone.
 */
export interface StateFsExtensions {
  appendFile(path: string, content: string): Promise<void>;
  /** Creates `path` with `content` only if nothing is there; false when it already exists. */
  createExclusive(path: string, content: string, mode?: number): Promise<boolean>;
  /** rename(2): atomic; false when `from` does not exist. */
  rename(from: string, to: string): Promise<boolean>;
}

const errno = (err: unknown) => (err as NodeJS.ErrnoException)?.code;

const nodeExtensions: StateFsExtensions = {
  async appendFile(path, content) {
    await fsp.mkdir(dirname(path), { recursive: true });
    await fsp.appendFile(path, content, 'utf8');
  },
  async createExclusive(path, content, mode = 0o644) {
    // Written under a private name, then hard-linked into place: link(2) fails with EEXIST like
    // O_EXCL does, and the file never appears empty or half written to a concurrent reader.
    await fsp.mkdir(dirname(path), { recursive: true });
    const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.new`);
    try {
      const handle = await fsp.open(temp, 'wx', mode);
      try {
        await handle.writeFile(content, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fsp.link(temp, path);
      return true;
    } catch (err) {
      if (errno(err) === 'EEXIST') return false;
      throw err;
    } finally {
      await fsp.rm(temp, { force: true });
    }
  },
  async rename(from, to) {
    try {
      await fsp.rename(from, to);
      return true;
    } catch (err) {
      if (errno(err) === 'ENOENT') return false;
      throw err;
    }
  },
};

/** The extensions for this host: its own where it has them, node's fs otherwise. */
export function stateFs(host: Host): StateFsExtensions {
  const ext = host.fs as HostFs & Partial<StateFsExtensions>;
  return {
    appendFile: ext.appendFile?.bind(ext) ?? nodeExtensions.appendFile,
    createExclusive: ext.createExclusive?.bind(ext) ?? nodeExtensions.createExclusive,
    rename: ext.rename?.bind(ext) ?? nodeExtensions.rename,
  };
}

const stamp = (now: number) => new Date(now).toISOString().replace(/[:.]/g, '-');

/**
 * Copies a corrupt state file's bytes to `<file>.corrupt-<ts>` (once per distinct content, so a
 * loop that fails every pass does not fill the disk) and returns the copy's path.
 */
export async function keepCorruptCopy(host: Host, path: string, content: string): Promise<string> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.corrupt-`;
  for (const name of await host.fs.readdir(dir)) {
    if (!name.startsWith(prefix)) continue;
    const existing = join(dir, name);
    if ((await host.fs.readFile(existing)) === content) return existing;
  }
  const copy = join(dir, `${prefix}${stamp(host.now())}`);
  await host.fs.writeFileAtomic(copy, content, 0o600);
  return copy;
}

/**
 * Parses JSON and validates it; on failure keeps a copy and throws TEND_ERR_STATE_CORRUPT.
 * `readOnly` (a plan, which must change nothing): the same error, without the copy.
 */
export async function parseStateFile<T>(
  host: Host,
  path: string,
  content: string,
  validate: (value: unknown) => { ok: true; value: T } | { ok: false; reason: string },
  consequence: string,
  opts: { readOnly?: boolean } = {},
): Promise<T> {
  let reason: string;
  try {
    const result = validate(JSON.parse(content));
    if (result.ok) return result.value;
    reason = result.reason;
  } catch (err) {
    reason = `not JSON: ${(err as Error).message}`;
  }
  if (opts.readOnly)
    throw new TendError(
      'TEND_ERR_STATE_CORRUPT',
      `${path} is corrupt (expected tend's JSON state file, got ${reason}). ${consequence}`,
      { path, reason },
    );
  const copy = await keepCorruptCopy(host, path, content);
  throw new TendError(
    'TEND_ERR_STATE_CORRUPT',
    `${path} is corrupt (expected tend's JSON state file, got ${reason}); its bytes are kept at ${copy}. ${consequence}`,
    { path, copy, reason },
  );
}
