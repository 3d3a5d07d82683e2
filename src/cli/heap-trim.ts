// Gives a long-lived daemon's garbage back after a pass that made a lot of it. V8 sizes its old
// generation for throughput: after the first pass over 1,000 Sites + Pools the heap held ~60 MB live
// but the process kept 160-170 MB resident, and 290-420 MB after nine edits and a minute idle
// (docs/decisions/0030-daemon-memory.md). One full collection, a second after such a pass and off
// its path, returns it. bin/tend enables the `gc` extension for `tend serve` only.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Collect when the heap V8 holds (committed, not only live) has grown this much since the last
 * collection: after a big pass most of it is free space V8 keeps, and a full collection gives the
 * emptied pages back (bytes).
 */
const GROWTH = 24 * 1024 * 1024;
/** How often a trim that met a running pass looks again. */
const DELAY_MS = 1_000;

export interface HeapTrim {
  /** Call after every pass: a collection follows, once, when the heap has grown enough. */
  afterPass(): void;
  /**
   * Call once start-up's pass is over, before the daemon reports ready: the same collection, now.
   * Start-up's pass is the one that grows the heap most, and the passes queued behind it (the
   * watcher's second look, settled Programs) would hold the trim back for seconds (0045).
   */
  afterStart(): void;
  stop(): void;
}

/** undefined when the process was not started with the gc extension (bin/tend serve enables it). */
function gcFunction(): (() => void) | undefined {
  try {
    const gc = runInNewContext('typeof gc === "function" ? gc : undefined') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

export function heapTrim(opts: {
  isBusy: () => boolean;
  /** Told what one collection gave back (MB before and after). */
  log?: (fields: Record<string, number>) => void;
}): HeapTrim {
  const gc = gcFunction();
  let baseline = getHeapStatistics().total_heap_size;
  let timer: NodeJS.Timeout | undefined;
  const collect = () => {
    // A pass runs: try again once it is over (passes come back to back after start).
    if (opts.isBusy()) {
      timer = setTimeout(collect, DELAY_MS);
      timer.unref();
      return;
    }
    timer = undefined;
    collectNow();
  };
  const collectNow = () => {
    const mb = (n: number) => Math.round(n / 1e5) / 10;
    const before = process.memoryUsage();
    // A plain full collection frees the garbage but compacts little, so V8 kept ~125 MB of pages for
    // ~50 MB live; optimizing for size during this one collection makes it compact and give pages back.
    // Twice: the first frees the garbage, and only then are the emptied pages' survivors few enough
    // for the second to evacuate them. One left 74 MB of old space for 52 MB live at 1,000 Sites
    // + Pools; a test of the same shape went from 67 MB to 42 MB for 41 MB live (0045).
    setFlagsFromString('--optimize-for-size');
    try {
      gc?.();
      gc?.();
    } finally {
      setFlagsFromString('--no-optimize-for-size');
    }
    const after = process.memoryUsage();
    baseline = getHeapStatistics().total_heap_size;
    opts.log?.({
      heapUsedMb: mb(before.heapUsed),
      heapUsedAfterMb: mb(after.heapUsed),
      heapTotalMb: mb(before.heapTotal),
      heapTotalAfterMb: mb(after.heapTotal),
      rssMb: mb(before.rss),
      rssAfterMb: mb(after.rss),
    });
  };
  return {
    afterStart() {
      if (!gc || getHeapStatistics().total_heap_size - baseline < GROWTH) return;
      if (timer) clearTimeout(timer);
      timer = undefined;
      collectNow();
    },
    afterPass() {
      if (!gc || timer) return;
      if (getHeapStatistics().total_heap_size - baseline < GROWTH) return;
      // At once, between passes: after the first pass, `tend serve` starts its watcher and runs a
      // second pass within seconds, and a trim that waited a second met that pass and ran only
      // after it, ~9 s after start-up's pass (0045). collect() still never runs during a pass.
      timer = setTimeout(collect, 0);
      timer.unref();
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
