// Per-key retry backoff for the work queue: consecutive failures per key, and at most one retry
// timer per key, due after base·2^(n-1) ms, capped, with ±jitter so many failing keys do not retry
// in step. The queue decides when a key failed or changed; this only counts and waits.
import type { Timers } from './timers.js';

export interface KeyBackoffOptions {
  timers: Timers;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Fraction of the delay added or removed at random (0..1). */
  jitter: number;
  random: () => number;
}

export class KeyBackoff {
  private readonly failureCounts = new Map<string, number>();
  private readonly handles = new Map<string, unknown>();

  constructor(private readonly opts: KeyBackoffOptions) {}

  /** Keys waiting out a backoff before their next attempt. */
  get waiting(): number {
    return this.handles.size;
  }

  isWaiting(key: string): boolean {
    return this.handles.has(key);
  }

  failed(key: string): void {
    this.failureCounts.set(key, (this.failureCounts.get(key) ?? 0) + 1);
  }

  /** A success, or a new spec: earlier failures say nothing about the next attempt. */
  resetCount(key: string): void {
    this.failureCounts.delete(key);
  }

  /** Forgets the key's failures and cancels its pending retry. */
  forget(key: string): void {
    this.failureCounts.delete(key);
    const handle = this.handles.get(key);
    if (handle !== undefined) {
      this.opts.timers.clearTimeout(handle);
      this.handles.delete(key);
    }
  }

  /** Cancels every pending retry (the queue is stopping). */
  cancelAll(): void {
    for (const handle of this.handles.values()) this.opts.timers.clearTimeout(handle);
    this.handles.clear();
  }

  /** Exponential backoff: base·2^(n-1), capped, with ±jitter, counted from consecutive failures. */
  delayFor(failures: number): number {
    const { baseDelayMs, maxDelayMs, jitter, random } = this.opts;
    const exponential = baseDelayMs * 2 ** Math.min(Math.max(0, failures - 1), 52);
    const capped = Math.min(maxDelayMs, exponential);
    const spread = capped * jitter * (2 * random() - 1);
    return Math.max(0, Math.min(maxDelayMs, Math.round(capped + spread)));
  }

  /** Calls `due` after the key's delay, unless it is forgotten or rescheduled first. */
  schedule(key: string, due: () => void): void {
    const delay = this.delayFor(this.failureCounts.get(key) ?? 1);
    const handle = this.opts.timers.setTimeout(() => {
      if (this.handles.get(key) !== handle) return;
      this.handles.delete(key);
      due();
    }, delay);
    this.handles.set(key, handle);
  }
}
