// Rechecks after a repair: a pass that repaired an outage (a pool socket's mode) reported it as it
// saw it; a fresh probe a moment later proves the repair, instead of leaving the resources unready
// until the next resync.
import type { ResourceKey } from '../model/index.js';

/** How long after a repair its resources are probed again. */
export const RECHECK_MS = 2_000;

export class Rechecks {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly enqueue: (key: ResourceKey) => void) {}

  schedule(keys: readonly ResourceKey[]): void {
    if (keys.length === 0 || this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      for (const key of keys) this.enqueue(key);
    }, RECHECK_MS);
    timer.unref();
    this.timers.add(timer);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
  }
}
