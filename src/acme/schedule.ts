// When to ask the CA next, as pure functions of the clock: renew when a third of the lifetime is
// left (or inside the CA's ARI window), and after a failure wait a doubling, capped delay, never less
// than the server's Retry-After.
import type { AttemptRecord, StoredCertificate } from './store.js';

export const BACKOFF_BASE_MS = 30_000;
export const BACKOFF_CAP_MS = 3_600_000;

/** The moment a certificate should be renewed: the moment chosen in its ARI window if known, else 2/3 of its life. */
export function renewAt(
  cert: Pick<StoredCertificate, 'notBefore' | 'notAfter'>,
  ari?: { renewAt: string },
): number {
  if (ari) return Date.parse(ari.renewAt);
  const from = Date.parse(cert.notBefore);
  const to = Date.parse(cert.notAfter);
  return to - (to - from) / 3;
}

/** Delay after the n-th consecutive failure (n ≥ 1): doubling from 30 s, capped at 1 h; Retry-After wins when longer. */
export function backoffMs(failures: number, retryAfterMs?: number): number {
  const doubled = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return retryAfterMs !== undefined && retryAfterMs > doubled ? retryAfterMs : doubled;
}

export interface DueInput {
  now: number;
  cert: StoredCertificate | undefined;
  attempt: AttemptRecord | undefined;
  /** The Site's domains and Issuer now: a certificate for other names or another CA is replaced. */
  domains: readonly string[];
  issuerName: string;
  /** The CA's ARI answer for this certificate (see ari.ts), when it gave one. */
  ari?: { renewAt: string };
}

/** When the next attempt may run (≤ now: run it now); why, for status and logs. */
export function nextAttempt(input: DueInput): { at: number; why: string } {
  const { now, cert, attempt } = input;
  const notBefore = attempt?.nextAttemptAt && !attempt.ok ? Date.parse(attempt.nextAttemptAt) : now;
  const wanted = wantedAt(input);
  return { at: Math.max(wanted.at, notBefore), why: wanted.why };
  function wantedAt(i: DueInput): { at: number; why: string } {
    if (!cert) return { at: now, why: 'no certificate yet' };
    if (cert.issuerName !== i.issuerName) return { at: now, why: `the Issuer changed to ${i.issuerName}` };
    const missing = i.domains.filter((d) => !cert.domains.includes(d.toLowerCase()));
    if (missing.length > 0) return { at: now, why: `the certificate does not cover ${missing.join(', ')}` };
    return {
      at: renewAt(cert, i.ari),
      why: i.ari ? 'the moment chosen in the ARI window came' : 'a third of its lifetime is left',
    };
  }
}
