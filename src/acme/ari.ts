// ACME Renewal Information (RFC 9773) as pure functions: read the CA's answer, pick the renewal
// moment inside its suggestedWindow, and decide when to ask again (Retry-After, clamped). What the
// manager keeps per Site (ari.json) is an AriRecord; its fetch lives in ari-fetch.ts.
import type { RenewalStatus } from '../state/conditions.js';
import { renewAt } from './schedule.js';
import type { StoredCertificate } from './store.js';

export interface RenewalInfo {
  window: { start: number; end: number };
  explanationURL?: string;
}

/** What tend last learnt about one certificate's renewal from the CA. */
export interface AriRecord {
  /** The certificate this is about: a record for another serial is stale. */
  serial: string;
  certId?: string;
  window?: { start: string; end: string };
  /** The random moment chosen inside the window; kept while the window stays the same. */
  renewAt?: string;
  explanationURL?: string;
  checkedAt: string;
  nextCheckAt: string;
  /** Why the one-third rule applies instead (no renewalInfo, an error, no AKI …). */
  problem?: string;
}

/** Without Retry-After, ask again after 6 h; any answer is held to 1 min … 1 day (RFC 9773 §4.3). */
export const ARI_DEFAULT_POLL_MS = 6 * 3_600_000;
export const ARI_MIN_POLL_MS = 60_000;
export const ARI_MAX_POLL_MS = 86_400_000;

/** The renewalInfo response body, or why it cannot be used. */
export function parseRenewalInfo(body: unknown): RenewalInfo | { problem: string } {
  const b = body as { suggestedWindow?: { start?: unknown; end?: unknown }; explanationURL?: unknown };
  const w = b && typeof b === 'object' ? b.suggestedWindow : undefined;
  if (!w || typeof w !== 'object') return { problem: 'the renewalInfo answer has no suggestedWindow' };
  const start = typeof w.start === 'string' ? Date.parse(w.start) : NaN;
  const end = typeof w.end === 'string' ? Date.parse(w.end) : NaN;
  if (!Number.isFinite(start) || !Number.isFinite(end))
    return { problem: 'the suggestedWindow start or end is not an RFC 3339 time' };
  if (end <= start) return { problem: 'the suggestedWindow ends before it starts' };
  return {
    window: { start, end },
    ...(typeof b.explanationURL === 'string' ? { explanationURL: b.explanationURL } : {}),
  };
}

/** A uniformly random moment in the window (`random` in [0, 1)), so a CA's clients do not all come at once. */
export function chooseRenewalTime(window: { start: number; end: number }, random: number): number {
  return Math.floor(window.start + Math.min(Math.max(random, 0), 1) * (window.end - window.start));
}

/** Delay before the next renewalInfo request, from its Retry-After header (seconds or an HTTP date). */
export function pollDelayMs(retryAfter: string | undefined, now: number): number {
  let ms = ARI_DEFAULT_POLL_MS;
  if (retryAfter !== undefined) {
    const v = retryAfter.trim();
    const parsed = /^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v) - now;
    if (Number.isFinite(parsed)) ms = parsed;
  }
  return Math.min(ARI_MAX_POLL_MS, Math.max(ARI_MIN_POLL_MS, ms));
}

export interface AriOutcome {
  certId?: string;
  info?: RenewalInfo;
  problem?: string;
  retryAfter?: string;
}

/**
 * The record after one check. A window that did not change keeps its chosen moment (asking again
 * must not re-roll the dice); a new window, or a new certificate, gets a new one.
 */
export function nextAriRecord(
  prev: AriRecord | undefined,
  serial: string,
  outcome: AriOutcome,
  now: number,
  random: number,
): AriRecord {
  const base = {
    serial,
    ...(outcome.certId ? { certId: outcome.certId } : {}),
    checkedAt: new Date(now).toISOString(),
    nextCheckAt: new Date(now + pollDelayMs(outcome.retryAfter, now)).toISOString(),
  };
  if (!outcome.info) return { ...base, problem: outcome.problem ?? 'no renewal information' };
  const window = {
    start: new Date(outcome.info.window.start).toISOString(),
    end: new Date(outcome.info.window.end).toISOString(),
  };
  const same =
    prev?.serial === serial &&
    prev.window?.start === window.start &&
    prev.window.end === window.end &&
    prev.renewAt !== undefined;
  const renewAt = same
    ? prev.renewAt!
    : new Date(chooseRenewalTime(outcome.info.window, random)).toISOString();
  return {
    ...base,
    window,
    renewAt,
    ...(outcome.info.explanationURL ? { explanationURL: outcome.info.explanationURL } : {}),
  };
}

/** The rule that times this certificate's renewal, for scheduling and status. */
export function renewalOf(
  cert: Pick<StoredCertificate, 'serial' | 'notBefore' | 'notAfter'>,
  rec: AriRecord | undefined,
): RenewalStatus {
  const mine = rec?.serial === cert.serial ? rec : undefined;
  // A window that outlives the certificate would let it expire first: that answer is not followed.
  const late = mine?.window && Date.parse(mine.window.end) > Date.parse(cert.notAfter);
  if (mine?.renewAt && mine.window && !late)
    return {
      rule: 'ari',
      at: mine.renewAt,
      window: mine.window,
      ...(mine.explanationURL ? { explanationURL: mine.explanationURL } : {}),
      nextCheckAt: mine.nextCheckAt,
    };
  return {
    rule: 'one-third-lifetime',
    at: new Date(renewAt(cert)).toISOString(),
    reason: late
      ? `the suggestedWindow ends (${mine!.window!.end}) after the certificate expires`
      : mine
        ? (mine.problem ?? 'no renewal information')
        : 'renewalInfo not asked yet for this certificate',
    ...(mine ? { nextCheckAt: mine.nextCheckAt } : {}),
  };
}
