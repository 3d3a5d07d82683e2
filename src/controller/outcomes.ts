// Per-key verdicts from one whole pass: what the work queue needs to back a key off (transient),
// park it as Stalled until its spec changes (config) or forget its failures (success). A failed pass
// is retried as a whole by the controller (pass-backoff.ts), never per key.
import { ERROR_CODES, TendError, type ErrorCode } from '../errors/catalogue.js';
import type { ResourceKey } from '../model/index.js';
import type { ConvergeResult } from '../pipeline/converge.js';
import { outcomeOf, type Outcome } from './work-queue.js';

/** The queue key that stands for "the desired state as a whole" (new files, deletions, resync). */
export const ALL_KEY = '*';

export interface PassReport {
  /** Absent when the pass itself failed (source unreadable, state corrupt, a bug). */
  result?: ConvergeResult;
  error?: unknown;
  /** Native Programs whose spec cannot run (root refused, unknown user, no port left). */
  programErrors: ReadonlyMap<ResourceKey, { code: string; message: string }>;
  keys: ReadonlySet<string>;
  startedAt: number;
  durationMs: number;
}

const codeOf = (code: string | undefined, fallback: ErrorCode): ErrorCode =>
  code !== undefined && code in ERROR_CODES ? (code as ErrorCode) : fallback;

function failure(code: ErrorCode, message: string, key: string): Outcome {
  return outcomeOf(new TendError(code, message, { key }));
}

export function outcomeFor(key: string, report: PassReport): Outcome {
  // The pass failed for every key alike: the controller's pass backoff retries it as a whole.
  if (!report.result) return { ...outcomeOf(report.error), retriedElsewhere: true } as Outcome;
  // A broken file is reported in status and events; the pass still converged everything else.
  if (key === ALL_KEY) return { ok: true };
  const { computed, apply } = report.result;
  const resourceKey = key as ResourceKey;
  if (computed.load.invalidKeys.includes(resourceKey) || computed.load.unknownKeys.includes(resourceKey)) {
    const e = computed.load.errors.find((x) => x.key === resourceKey);
    return failure(codeOf(e?.code, 'TEND_ERR_SCHEMA'), e?.message ?? `${key} is invalid`, key);
  }
  const outcome = apply.outcomes.find((o) => o.key === resourceKey);
  if (outcome && outcome.status !== 'applied' && outcome.status !== 'unchanged') {
    const fallback: ErrorCode =
      outcome.status === 'held'
        ? 'TEND_ERR_VALIDATION_FAILED'
        : outcome.status === 'blocked'
          ? 'TEND_ERR_NOT_OWNED'
          : 'TEND_ERR_RELOAD_FAILED';
    return failure(codeOf(outcome.code, fallback), outcome.message ?? outcome.status, key);
  }
  const programError = report.programErrors.get(resourceKey);
  if (programError) return failure(codeOf(programError.code, 'TEND_ERR_SPAWN'), programError.message, key);
  return { ok: true };
}

/** The reconcile answer the API gives for one key or for the whole state. */
export function summarizeOutcome(key: string | undefined, outcome: Outcome) {
  if (outcome.ok) return { ok: true as const };
  const e = outcome.error instanceof TendError ? outcome.error : undefined;
  return {
    ok: false as const,
    error: { code: e?.code ?? 'TEND_ERR_INTERNAL', message: e?.message ?? `${key ?? 'reconcile'} failed` },
  };
}
