// Cron expressions through croner (never parsed by hand): validation with what was expected, the
// next due time after a moment in a named zone, and the shortest interval (for the overlap warning).
import { Cron } from 'croner';

/** The macros cron users expect; croner knows them too, listed here for the error message. */
export const CRON_MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** undefined when the zone is a real IANA zone this Node knows; otherwise the reason. */
export function timeZoneProblem(zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return `expected an IANA time zone such as Europe/Berlin or UTC, got unknown time zone "${zone}"`;
  }
}

/** undefined when `expr` is a 5-field cron expression or a macro; otherwise what was expected. */
export function cronProblem(expr: string): string | undefined {
  const trimmed = expr.trim();
  const expected = `expected 5 cron fields (minute hour day-of-month month day-of-week) or one of ${CRON_MACROS.join(', ')}`;
  if (!trimmed.startsWith('@') && trimmed.split(/\s+/).length !== 5)
    return `${expected}, got ${trimmed.split(/\s+/).filter(Boolean).length} field(s) in "${trimmed}"`;
  try {
    new Cron(trimmed, { paused: true });
    return undefined;
  } catch (err) {
    return `${expected}; "${trimmed}" is not valid: ${(err as Error).message}`;
  }
}

/**
 * The first due time strictly after `afterMs`, in ms. `seconds` allows a 6-field expression (the
 * bench's every-second schedule); Job specs never reach here with one, the schema refuses it.
 */
export function nextDue(expr: string, timeZone: string | undefined, afterMs: number): number | undefined {
  const cron = new Cron(expr.trim(), { paused: true, ...(timeZone ? { timezone: timeZone } : {}) });
  const next = cron.nextRun(new Date(afterMs));
  return next ? next.getTime() : undefined;
}

/** Every due time in (fromMs, toMs], at most `limit` of them. */
export function dueBetween(
  expr: string,
  timeZone: string | undefined,
  fromMs: number,
  toMs: number,
  limit = 10_000,
): number[] {
  const out: number[] = [];
  let at = fromMs;
  while (out.length < limit) {
    const next = nextDue(expr, timeZone, at);
    if (next === undefined || next > toMs) break;
    out.push(next);
    at = next;
  }
  return out;
}

/** The shortest gap between the next few due times: enough to say "a run may outlast its interval". */
export function shortestIntervalMs(expr: string, timeZone: string | undefined, fromMs: number): number {
  let prev = nextDue(expr, timeZone, fromMs);
  let shortest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 8 && prev !== undefined; i++) {
    const next = nextDue(expr, timeZone, prev);
    if (next === undefined) break;
    shortest = Math.min(shortest, next - prev);
    prev = next;
  }
  return shortest;
}
