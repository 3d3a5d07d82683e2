// What the controller does when a pass fails as a whole (source unreadable, state corrupt, a bug):
// backs the next pass off (pass-backoff.ts), says why in the log and the event log (which folds
// repeats into a count), keeps the reason for /readyz, and schedules the retry of the whole state.
import type { Logger } from 'pino';
import type { ErrorCode, TendError } from '../errors/catalogue.js';
import type { EventLog } from '../state/events.js';
import { PassBackoff } from './pass-backoff.js';

/** Why passes are failing now: what /readyz reports until a pass succeeds again. */
export interface PassFailureState {
  code: ErrorCode;
  message: string;
  /** Consecutive failed passes. */
  failures: number;
  /** ISO time of the first failure of this run. */
  since: string;
  /** ISO time of the next attempt (a file change or a reconcile request comes sooner). */
  retryAt: string;
}

/** The longest wait between failed passes, whatever the resync: a repaired host heals within it. */
export const MAX_PASS_BACKOFF_MS = 60_000;

export interface PassFailuresOptions {
  log: Logger;
  events: EventLog;
  /** The wait is capped at the resync interval (and MAX_PASS_BACKOFF_MS), so every resync retries. */
  resyncMs: number;
  /** Asks for a pass of the whole state (the queue's `*`). */
  retry: () => void;
  baseMs?: number;
}

export class PassFailures {
  private readonly backoff: PassBackoff;
  private retryTimer: NodeJS.Timeout | undefined;
  private failing: PassFailureState | undefined;
  private stopped = false;

  constructor(private readonly opts: PassFailuresOptions) {
    this.backoff = new PassBackoff({
      clock: { now: () => Date.now() },
      baseMs: opts.baseMs ?? 1_000,
      maxMs: Math.min(opts.resyncMs, MAX_PASS_BACKOFF_MS),
    });
  }

  get current(): PassFailureState | undefined {
    return this.failing;
  }

  holdMs(): number {
    return this.backoff.holdMs();
  }

  /** A changed spec or an operator's request may fix what failed: the next pass need not wait. */
  release(): void {
    this.backoff.release();
  }

  failed(e: TendError): void {
    const { log, events } = this.opts;
    const f = this.backoff.failed();
    const retryAt = Date.now() + f.delayMs;
    this.failing = {
      code: e.code,
      message: e.message,
      failures: f.failures,
      since: new Date(f.since).toISOString(),
      retryAt: new Date(retryAt).toISOString(),
    };
    // Internal errors are bugs: keep the stack in the log (never in events or the API).
    const cause = e.details.cause instanceof Error ? e.details.cause.stack : undefined;
    log.error(
      {
        code: e.code,
        err: e.message,
        failures: f.failures,
        retryInMs: f.delayMs,
        ...(e.kind === 'internal' ? { stack: cause ?? e.stack } : {}),
      },
      'reconcile pass failed',
    );
    // A full disk is an operator's to fix, not a bug: its own reason, so it is found at a glance.
    const reason = e.code === 'TEND_ERR_DISK_FULL' ? 'DiskFull' : 'PassFailed';
    events.record({ type: 'Warning', reason, message: `${e.code}: ${e.message}` });
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.opts.retry();
    }, f.delayMs);
  }

  succeeded(): void {
    const ended = this.backoff.succeeded();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const was = this.failing;
    this.failing = undefined;
    if (ended === 0 || !was) return;
    const plural = ended === 1 ? '' : 'es';
    this.opts.log.info(
      { failures: ended, since: was.since, code: was.code },
      'reconcile passes succeed again',
    );
    this.opts.events.record({
      type: 'Normal',
      reason: 'PassRecovered',
      message: `a pass succeeded after ${ended} failed pass${plural} since ${was.since} (${was.code})`,
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
