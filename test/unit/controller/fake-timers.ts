// A manual clock and timer set for tests: time moves only when the test calls advance().
import type { Clock, Timers } from '../../../src/controller/work-queue.js';

interface Pending {
  id: number;
  due: number;
  fn: () => void;
}

export class FakeTimers implements Timers, Clock {
  private nowMs = 0;
  private nextId = 1;
  private pending: Pending[] = [];

  now(): number {
    return this.nowMs;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.push({ id, due: this.nowMs + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending = this.pending.filter((p) => p.id !== handle);
  }

  /** Delays of the timers still pending, relative to now. */
  delays(): number[] {
    return this.pending.map((p) => p.due - this.nowMs);
  }

  get size(): number {
    return this.pending.length;
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const target = this.nowMs + ms;
    for (;;) {
      const next = this.pending
        .filter((p) => p.due <= target)
        .sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (!next) break;
      this.pending = this.pending.filter((p) => p !== next);
      this.nowMs = next.due;
      next.fn();
    }
    this.nowMs = target;
  }
}

/** Lets pending promise callbacks run. */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
