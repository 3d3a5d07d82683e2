// How `tend status` shows a Site's certificate: days to expiry in the table, the whole block in detail.
import type { ResourceStatus } from '../state/conditions.js';

const DAY_MS = 86_400_000;

/** "cert 57d", "cert expires today", "cert EXPIRED", "cert pending"; undefined for a Site without one. */
export function certificateNote(s: Pick<ResourceStatus, 'certificate'>, now: number): string | undefined {
  const c = s.certificate;
  if (!c) return undefined;
  const failing = c.lastAttempt && !c.lastAttempt.ok ? ' (last attempt failed)' : '';
  if (!c.notAfter) return `cert pending${failing}`;
  const left = Date.parse(c.notAfter) - now;
  if (left <= 0) return `cert EXPIRED${failing}`;
  const days = Math.floor(left / DAY_MS);
  return `cert ${days === 0 ? 'expires today' : `${days}d`}${failing}`;
}

export function certificateSection(s: Pick<ResourceStatus, 'certificate'>, now: number): string[] {
  const c = s.certificate;
  if (!c) return [];
  const out = ['\nCertificate:\n'];
  const field = (label: string, value: string | undefined) => {
    if (value !== undefined && value !== '') out.push(`  ${`${label}:`.padEnd(22)}${value}\n`);
  };
  field('Issuer', c.source);
  field('Serial', c.serial);
  if (c.notAfter) field('Not after', `${c.notAfter} (${certificateNote(s, now)?.replace(/^cert /, '')})`);
  field('Domains', c.domains?.join(', '));
  if (c.lastAttempt)
    field(
      'Last attempt',
      `${c.lastAttempt.at} ${c.lastAttempt.ok ? 'succeeded' : `failed: ${c.lastAttempt.error?.type ?? ''}: ${c.lastAttempt.error?.detail ?? ''}`}`,
    );
  field('Next attempt', c.nextAttemptAt);
  const r = c.renewal;
  if (r)
    field(
      'Renewal',
      r.rule === 'ari'
        ? `${r.at} (ARI window ${r.window?.start ?? '?'} … ${r.window?.end ?? '?'}${r.explanationURL ? `; see ${r.explanationURL}` : ''})`
        : `${r.at} (a third of the lifetime left${r.reason ? `; ARI: ${r.reason}` : ''})`,
    );
  return out;
}
