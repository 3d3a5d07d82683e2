// What a Site's status says about its certificate: the CertificateReady condition and the
// certificate block (issuer, serial, notAfter, domains, last attempt with the ACME error).
import type { StoredCertificate, AttemptRecord } from './store.js';
import type { FileCertJudgement } from './file-certs.js';
import {
  setCondition,
  type CertificateStatus,
  type RenewalStatus,
  type ResourceStatus,
} from '../state/conditions.js';

export const EXPIRY_WARNING_MS = 14 * 86_400_000;

export interface CertificateView {
  issuer: string;
  cert: StoredCertificate | undefined;
  attempt: AttemptRecord | undefined;
  nextAttemptAt?: number;
  renewal?: RenewalStatus;
}

export function certificateStatus(view: CertificateView): CertificateStatus {
  const { cert, attempt } = view;
  return {
    source: `Issuer/${view.issuer}`,
    ...(cert ? { serial: cert.serial, notAfter: cert.notAfter, domains: cert.domains } : {}),
    ...(attempt
      ? {
          lastAttempt: { at: attempt.at, ok: attempt.ok, ...(attempt.error ? { error: attempt.error } : {}) },
        }
      : {}),
    ...(view.nextAttemptAt !== undefined
      ? { nextAttemptAt: new Date(view.nextAttemptAt).toISOString() }
      : {}),
    ...(cert && view.renewal ? { renewal: view.renewal } : {}),
  };
}

/** CertificateReady: True while a valid certificate is live; the last failure is named either way. */
export function withCertificate(st: ResourceStatus, view: CertificateView, now: number): ResourceStatus {
  const { cert, attempt } = view;
  const failed =
    attempt && !attempt.ok && attempt.error
      ? `; last attempt failed: ${attempt.error.type}: ${attempt.error.detail}`
      : '';
  const expired = cert && Date.parse(cert.notAfter) <= now;
  const cond = !cert
    ? {
        status: attempt && !attempt.ok ? ('False' as const) : ('Unknown' as const),
        reason: attempt && !attempt.ok ? 'IssuanceFailed' : 'Issuing',
        message: `no certificate yet from Issuer/${view.issuer}; the Site serves plain HTTP${failed}`,
      }
    : expired
      ? {
          status: 'False' as const,
          reason: 'Expired',
          message: `certificate ${cert.serial} expired at ${cert.notAfter}${failed}`,
        }
      : {
          status: 'True' as const,
          reason: attempt && !attempt.ok ? 'RenewalFailing' : 'Issued',
          message: `certificate ${cert.serial} from Issuer/${view.issuer} valid until ${cert.notAfter}${failed}`,
        };
  const next = setCondition(st, { type: 'CertificateReady', ...cond }, now);
  return { ...next, certificate: certificateStatus(view) };
}

/** File-based TLS: CertificateReady says whether the files on disk are what nginx serves. */
export function withFileCertificate(st: ResourceStatus, j: FileCertJudgement, now: number): ResourceStatus {
  const s = j.serving;
  const cond = j.heldBack
    ? {
        status: s ? ('True' as const) : ('False' as const),
        reason: 'ReplacementHeld',
        message: `the certificate files are held back: ${j.heldBack}${s ? `; the previous certificate${s.serial ? ` ${s.serial}` : ''} keeps serving` : ''}`,
      }
    : {
        status: 'True' as const,
        reason: 'Valid',
        message: `certificate ${s?.serial ?? ''} valid until ${s?.notAfter ?? '?'}`,
      };
  const next = setCondition(st, { type: 'CertificateReady', ...cond }, now);
  return {
    ...next,
    certificate: {
      source: 'files',
      ...(s?.serial ? { serial: s.serial } : {}),
      ...(s?.notAfter ? { notAfter: s.notAfter } : {}),
    },
  };
}
