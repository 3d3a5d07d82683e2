// Coalesces work-queue keys into whole passes: every key handed out while no pass has started joins
// the next one, and at most one pass runs at a time, so a 500-file `git pull` is one pass, one reload.
// After a failed pass, `holdMs` (the pass backoff) may keep the next one waiting; `poke` ends the wait.
import { realTimers, type Timers } from './timers.js';

/**
 * request(key) resolves with the report of the first pass that starts after the call. A pass starts
 * on the next turn of the event loop (the queue hands every queued key out synchronously first), or
 * as soon as the running pass ends.
 */
export class PassCoalescer<R> {
  private next:
    | { keys: Set<string>; resolve: (r: R) => void; reject: (e: unknown) => void; result: Promise<R> }
    | undefined;
  private running = false;
  private scheduled = false;
  private passes = 0;
  private holdTimer: unknown;

  constructor(
    private readonly run: (keys: ReadonlySet<string>) => Promise<R>,
    private readonly holdMs: () => number = () => 0,
    private readonly timers: Timers = realTimers,
  ) {}

  /** How many passes have started since construction. */
  get started(): number {
    return this.passes;
  }

  get busy(): boolean {
    return this.running || this.next !== undefined;
  }

  request(key: string): Promise<R> {
    if (!this.next) {
      let resolve!: (r: R) => void;
      let reject!: (e: unknown) => void;
      const result = new Promise<R>((res, rej) => ((resolve = res), (reject = rej)));
      this.next = { keys: new Set(), resolve, reject, result };
    }
    this.next.keys.add(key);
    this.schedule();
    return this.next.result;
  }

  /** The hold may have ended early (a spec change released the backoff): look again now. */
  poke(): void {
    if (this.holdTimer === undefined) return;
    this.timers.clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.schedule();
  }

  /** Shutting down: a batch still held back is not run; its requests reject with `reason`. */
  cancelHeld(reason: unknown): void {
    if (this.holdTimer === undefined) return;
    this.timers.clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    const batch = this.next;
    this.next = undefined;
    batch?.reject(reason);
  }

  private schedule(): void {
    if (this.running || this.scheduled || this.holdTimer !== undefined) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.kick();
    });
  }

  private kick(): void {
    if (this.running || !this.next) return;
    const hold = this.holdMs();
    if (hold > 0) {
      this.holdTimer = this.timers.setTimeout(() => {
        this.holdTimer = undefined;
        this.kick();
      }, hold);
      return;
    }
    const batch = this.next;
    this.next = undefined;
    this.running = true;
    this.passes += 1;
    this.run(batch.keys)
      .then(batch.resolve, batch.reject)
      .finally(() => {
        this.running = false;
        if (this.next) this.schedule();
      });
  }
}
