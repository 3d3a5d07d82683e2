// A directory's names, listed again only when its mtime moved or was too recent to trust. Adding,
// renaming in and removing an entry all move a directory's mtime; a listing goes through the thread
// pool, and a watch that lists the same directory twice a second for the daemon's life pays a loop
// wake-up for each (0053). The racy rule is file-identity.ts's.
import { RACY_MS } from './file-identity.js';
import type { HostFs } from './host.js';

export class ListingMemo {
  private readonly listings = new Map<string, { mtimeMs: number; names: string[] }>();

  constructor(
    private readonly fs: Pick<HostFs, 'stat' | 'readdir'>,
    private readonly now: () => number,
  ) {}

  /** The names in dir (sorted, as HostFs.readdir gives them), or none when it is not a directory. */
  async list(dir: string): Promise<string[]> {
    const st = await this.fs.stat(dir);
    if (!st?.isDirectory) {
      this.listings.delete(dir);
      return [];
    }
    const hit = this.listings.get(dir);
    if (hit?.mtimeMs === st.mtimeMs) return [...hit.names];
    // Listed within RACY_MS of its mtime, an entry added in the same clock tick could leave the
    // same mtime: such a listing is used once and not remembered.
    const stable = this.now() - st.mtimeMs >= RACY_MS;
    const names = await this.fs.readdir(dir);
    if (stable) this.listings.set(dir, { mtimeMs: st.mtimeMs, names });
    else this.listings.delete(dir);
    return [...names];
  }
}
