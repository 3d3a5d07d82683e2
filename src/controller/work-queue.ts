// The controller's work queue (after client-go's workqueue): dedupes keys, never runs one key twice at
// once, backs off transient failures per key and parks config failures as Stalled until the spec changes.
// A failure whose retry someone else owns (a failed pass: the pass backoff) is neither parked nor backed off.
import { asTendError, TendError, type ErrorKind } from '../errors/catalogue.js';
import { KeyBackoff } from './key-backoff.js';
import { realTimers, type Clock, type Timers } from './timers.js';

export type { Clock, Timers };

export type Outcome =
  | { ok: true }
  | {
      ok: false;
      kind: ErrorKind;
      error: unknown;
      /** The handler's owner retries this failure as a whole (see pass-backoff.ts): leave the key idle. */
      retriedElsewhere?: boolean;
    };

export interface WorkQueueOptions {
  handler: (key: string) => Promise<Outcome>;
  concurrency?: number;
  clock?: Clock;
  timers?: Timers;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Fraction of the delay added or removed at random, so that many failing keys do not retry in step. */
  jitter?: number;
  random?: () => number;
}

export interface StalledEntry {
  key: string;
  error: unknown;
  /** Clock time at which the key was parked. */
  since: number;
}

export interface QueueMetrics {
  processed: number;
  failures: number;
  retries: number;
}

export interface AddOptions {
  /** The desired spec of this key changed: a stalled or backing-off key runs again at once. */
  specChanged?: boolean;
  /** An operator asked (API, CLI): skip the backoff and un-stall, like a spec change. */
  immediate?: boolean;
}

type Resolver = (outcome: Outcome) => void;

/** Turns a thrown value into an Outcome; anything that is not a TendError counts as a bug (internal). */
export function outcomeOf(err: unknown): Outcome {
  const tendError = asTendError(err);
  return { ok: false, kind: tendError.kind, error: tendError };
}

export class WorkQueue {
  private readonly handler: (key: string) => Promise<Outcome>;
  private readonly concurrency: number;
  private readonly clock: Clock;
  private readonly backoff: KeyBackoff;

  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly inFlight = new Set<string>();
  /** Keys re-added while running; the value says whether the re-add carried a spec change. */
  private readonly dirty = new Map<string, boolean>();
  private readonly parked = new Map<string, StalledEntry>();
  private readonly counters: QueueMetrics = { processed: 0, failures: 0, retries: 0 };
  /** Waiters for the next run of a key that has not started yet, and for the run in progress. */
  private readonly nextRunWaiters = new Map<string, Resolver[]>();
  private readonly runWaiters = new Map<string, Resolver[]>();
  private idleWaiters: Array<() => void> = [];
  private stopping = false;

  constructor(opts: WorkQueueOptions) {
    this.handler = opts.handler;
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 2));
    this.clock = opts.clock ?? { now: () => Date.now() };
    this.backoff = new KeyBackoff({
      timers: opts.timers ?? realTimers,
      baseDelayMs: opts.baseDelayMs ?? 500,
      maxDelayMs: opts.maxDelayMs ?? 300_000,
      jitter: Math.min(1, Math.max(0, opts.jitter ?? 0.1)),
      random: opts.random ?? Math.random,
    });
  }

  /** Keys waiting for a worker (not counting keys waiting out a backoff). */
  get depth(): number {
    return this.queue.length;
  }

  get running(): number {
    return this.inFlight.size;
  }

  /** Keys waiting out a backoff before their next attempt. */
  get waiting(): number {
    return this.backoff.waiting;
  }

  get metrics(): QueueMetrics {
    return { ...this.counters };
  }

  stalled(): StalledEntry[] {
    return [...this.parked.values()];
  }

  isStalled(key: string): boolean {
    return this.parked.has(key);
  }

  /**
   * Asks for `key` to be reconciled. Returns false when the request was absorbed: the queue is
   * stopping, the key is stalled (and the spec did not change) or it is backing off.
   */
  add(key: string, opts: AddOptions = {}): boolean {
    if (this.stopping) return false;
    const specChanged = opts.specChanged === true || opts.immediate === true;
    if (specChanged) this.forgetFailures(key);
    if (this.inFlight.has(key)) {
      this.dirty.set(key, specChanged || this.dirty.get(key) === true);
      return true;
    }
    // A plain re-add (resync, status poke) must not defeat the backoff or un-stall a config error.
    if (this.parked.has(key) || this.backoff.isWaiting(key)) return false;
    this.enqueue(key);
    return true;
  }

  /** Releases a stalled key (an operator asked for it) and runs it at once. */
  unpark(key: string): boolean {
    if (!this.parked.has(key)) return false;
    return this.add(key, { specChanged: true });
  }

  /**
   * Resolves with the outcome of the next run of `key` that starts after this call, so that a
   * caller can add(key, { immediate: true }) and wait for the result, as `flux reconcile` does.
   */
  nextOutcome(key: string): Promise<Outcome> {
    return new Promise((resolve) => {
      const list = this.nextRunWaiters.get(key) ?? [];
      list.push(resolve);
      this.nextRunWaiters.set(key, list);
    });
  }

  /** Drops everything known about a key, e.g. when its resource left the desired state. */
  forget(key: string): void {
    this.forgetFailures(key);
    this.dirty.delete(key);
    if (this.queued.delete(key)) this.queue.splice(this.queue.indexOf(key), 1);
    this.release(this.nextRunWaiters, key, 'TEND_ERR_NOT_FOUND', `${key} was removed from the work queue`);
    this.settleIdle();
  }

  /** Resolves when nothing is queued or running; keys waiting out a backoff do not count. */
  onIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work, cancels pending retries and resolves when in-flight handlers have finished. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.backoff.cancelAll();
    this.queue.length = 0;
    this.queued.clear();
    this.dirty.clear();
    for (const key of [...this.nextRunWaiters.keys()]) {
      this.release(
        this.nextRunWaiters,
        key,
        'TEND_ERR_SHUTTING_DOWN',
        `tend is stopping; ${key} was not run`,
      );
    }
    await this.onIdle();
  }

  private release(
    waiters: Map<string, Resolver[]>,
    key: string,
    code: 'TEND_ERR_NOT_FOUND' | 'TEND_ERR_SHUTTING_DOWN',
    message: string,
  ): void {
    const list = waiters.get(key);
    waiters.delete(key);
    if (!list) return;
    const error = new TendError(code, message, { key });
    for (const resolve of list) resolve({ ok: false, kind: error.kind, error });
  }

  private forgetFailures(key: string): void {
    this.parked.delete(key);
    this.backoff.forget(key);
  }

  private enqueue(key: string): void {
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  private pump(): void {
    while (!this.stopping && this.inFlight.size < this.concurrency && this.queue.length > 0) {
      const key = this.queue.shift() as string;
      this.queued.delete(key);
      this.inFlight.add(key);
      const waiting = this.nextRunWaiters.get(key);
      this.nextRunWaiters.delete(key);
      if (waiting) this.runWaiters.set(key, waiting);
      void this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await this.handler(key);
    } catch (err) {
      outcome = outcomeOf(err);
    }
    this.counters.processed += 1;
    this.inFlight.delete(key);
    for (const resolve of this.runWaiters.get(key) ?? []) resolve(outcome);
    this.runWaiters.delete(key);
    const rerun = this.dirty.get(key);
    this.dirty.delete(key);

    if (outcome.ok) {
      this.backoff.resetCount(key);
    } else {
      this.counters.failures += 1;
      this.backoff.failed(key);
    }

    if (this.stopping) {
      this.settleIdle();
      return;
    }
    if (rerun === true) {
      // The spec changed while this attempt ran: its failure says nothing about the new spec.
      this.backoff.resetCount(key);
      this.enqueue(key);
    } else if (!outcome.ok && outcome.retriedElsewhere === true) {
      // Nothing to park or back off here, so a later plain add (a resync) is never absorbed.
    } else if (!outcome.ok && outcome.kind === 'config') {
      this.parked.set(key, { key, error: outcome.error, since: this.clock.now() });
    } else if (!outcome.ok) {
      this.scheduleRetry(key);
    } else if (rerun === false) {
      this.enqueue(key);
    }
    this.pump();
    this.settleIdle();
  }

  /** The delay before a key's next attempt after `failures` consecutive failures (see key-backoff.ts). */
  delayFor(failures: number): number {
    return this.backoff.delayFor(failures);
  }

  private scheduleRetry(key: string): void {
    this.backoff.schedule(key, () => {
      this.counters.retries += 1;
      this.enqueue(key);
    });
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.inFlight.size === 0;
  }

  private settleIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
