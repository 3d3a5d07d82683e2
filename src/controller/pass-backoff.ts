// Backoff for failed passes as a whole. A pass that fails (source unreadable, state corrupt, a bug)
// fails every key in it alike, so retrying per key turned one fault into hundreds of passes; instead
// consecutive failed passes space the next pass out (base·2^(n-1), capped), and a spec change or an
// operator's request ends the wait at once.
import type { Clock } from './timers.js';

export interface PassBackoffOptions {
  clock: Clock;
  baseMs?: number;
  /** The longest wait; kept at or under the resync interval so every resync still retries. */
  maxMs?: number;
  /** Fraction of the delay added or removed at random. */
  jitter?: number;
  random?: () => number;
}

export interface PassFailure {
  /** Consecutive failed passes, this one included. */
  failures: number;
  /** How long the next pass waits. */
  delayMs: number;
  /** Clock time of the first failure in this run of failures. */
  since: number;
}

export class PassBackoff {
  private readonly clock: Clock;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private count = 0;
  private firstFailure = 0;
  private notBefore = 0;

  constructor(opts: PassBackoffOptions) {
    this.clock = opts.clock;
    this.baseMs = Math.max(1, opts.baseMs ?? 1_000);
    this.maxMs = Math.max(this.baseMs, opts.maxMs ?? 30_000);
    this.jitter = Math.min(1, Math.max(0, opts.jitter ?? 0.1));
    this.random = opts.random ?? Math.random;
  }

  /** Consecutive failed passes so far (0 after a success). */
  get failures(): number {
    return this.count;
  }

  /** Records a failed pass; the next one may not start before the returned delay. */
  failed(): PassFailure {
    const now = this.clock.now();
    if (this.count === 0) this.firstFailure = now;
    this.count += 1;
    const exponential = this.baseMs * 2 ** Math.min(this.count - 1, 40);
    const capped = Math.min(this.maxMs, exponential);
    const spread = capped * this.jitter * (2 * this.random() - 1);
    const delayMs = Math.max(0, Math.min(this.maxMs, Math.round(capped + spread)));
    this.notBefore = now + delayMs;
    return { failures: this.count, delayMs, since: this.firstFailure };
  }

  /** Records a pass that did not fail; returns how many failed passes it ends (0: none). */
  succeeded(): number {
    const ended = this.count;
    this.count = 0;
    this.notBefore = 0;
    return ended;
  }

  /** A spec change or an operator's request: the next pass may start now (the count stays). */
  release(): void {
    this.notBefore = 0;
  }

  /** How long a pass that wants to start now must still wait (0: it may start). */
  holdMs(): number {
    return Math.max(0, this.notBefore - this.clock.now());
  }
}
