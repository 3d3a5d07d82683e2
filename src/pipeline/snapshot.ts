// The controller's one cache (in the spirit of controller-runtime's informer cache): everything a
// pass may reuse from the pass before lives here, owned by whoever runs the passes, never in a
// module. A daemon keeps one for its life; each CLI process builds a fresh one. See
// docs/decisions/0028-runtime-in-plan-and-one-cache.md.
import { resolve } from 'node:path';
import type { Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';
import type { ResourceKey } from '../model/index.js';
import type { Rendered } from '../render/index.js';
import {
  codeFingerprint,
  deferredSaves,
  fileOutcomeCache,
  type LoadMemo,
  type OutcomeCache,
} from '../source/index.js';
import type { InventoryMemo } from '../state/inventory-store.js';
import { PortLeases } from '../state/port-leases.js';
import type { FileCertMemo } from '../acme/file-certs.js';

export const LOAD_CACHE_FILE = 'load-cache.json';

export interface RenderMemoEntry {
  stamp: string;
  rendered: Rendered;
  /** Its files' text is the host's copy (shareObservedText): compared once, not every pass. */
  shared?: boolean;
}

export interface SnapshotOptions {
  /**
   * A daemon: reuse the last load while the desired-state tree is unchanged, and save the outcome
   * cache in the background rather than inside a pass.
   */
  longLived?: boolean;
}

export class ControllerSnapshot {
  readonly longLived: boolean;
  /** The last validated inventory and its bytes (one, so memory stays bounded). */
  readonly inventory: InventoryMemo = {};
  /** State dirs whose temp files this process has swept (the first pass of a process does it). */
  readonly swept = new Set<string>();
  private readonly loadMemos = new Map<string, LoadMemo>();
  private readonly outcomeCaches = new Map<string, OutcomeCache>();
  private readonly renders = new Map<string, Map<ResourceKey, RenderMemoEntry>>();
  private readonly leases = new Map<string, PortLeases>();
  private readonly fileCertMemos = new Map<string, FileCertMemo>();
  private fingerprint: string | undefined;

  constructor(opts: SnapshotOptions = {}) {
    this.longLived = opts.longLived === true;
  }

  /** File-based TLS pairs judged per state dir, by the stat identity of their files (acme/file-certs.ts). */
  fileCerts(stateDir: string): FileCertMemo {
    let memo = this.fileCertMemos.get(stateDir);
    if (!memo) this.fileCertMemos.set(stateDir, (memo = new Map()));
    return memo;
  }

  /** One load memo per desired-state dir: a daemon's resync skips an unchanged tree entirely. */
  loadMemo(desiredDir: string): LoadMemo {
    const dir = resolve(desiredDir);
    let memo = this.loadMemos.get(dir);
    if (!memo) this.loadMemos.set(dir, (memo = {}));
    return memo;
  }

  /** One outcome cache per state dir, read from its file once per snapshot. */
  outcomeCache(stateDir: string): OutcomeCache {
    let cache = this.outcomeCaches.get(stateDir);
    if (!cache) {
      this.fingerprint ??= codeFingerprint();
      const file = fileOutcomeCache(`${stateDir}/${LOAD_CACHE_FILE}`, this.fingerprint);
      this.outcomeCaches.set(stateDir, (cache = this.longLived ? deferredSaves(file) : file));
    }
    return cache;
  }

  /** What each resource last rendered to, by the stamp of everything its render depends on. */
  renderMemo(layout: Layout): Map<ResourceKey, RenderMemoEntry> {
    const key = `${layout.profile}:${layout.root}`;
    let memo = this.renders.get(key);
    if (!memo) this.renders.set(key, (memo = new Map()));
    return memo;
  }

  /**
   * The one lease store per state dir, shared by planning (which allocates before rendering) and
   * the supervisor and terminals (which keep, move and release leases): ports.json has one reader.
   */
  portLeases(host: Host, stateDir: string): PortLeases {
    let leases = this.leases.get(stateDir);
    if (!leases) this.leases.set(stateDir, (leases = new PortLeases({ host, stateDir })));
    return leases;
  }
}
