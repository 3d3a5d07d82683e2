// ACME failures as people read them: the server's problem document (type and detail) when it sent
// one, the transport error otherwise, and how long the server asked us to wait (Retry-After).
import type { AcmeClient } from './client.js';

export class AcmeFailure extends Error {
  constructor(
    readonly type: string,
    readonly detail: string,
    readonly retryAfterMs?: number,
  ) {
    super(`${type}: ${detail}`);
  }
}

interface Seen {
  problem?: { type: string; detail: string };
  retryAfterMs?: number;
  /** A request that got no response at all (refused, reset, TLS, DNS). */
  transport?: string;
}
let seen: Seen = {};

function note(resp: { status?: number; headers?: Record<string, unknown>; data?: unknown } | undefined) {
  if (!resp) return;
  const data = resp.data as { type?: unknown; detail?: unknown; status?: unknown } | undefined;
  // A later success (a retried bad nonce) clears an earlier problem: only the last one explains a failure.
  if (resp.status !== undefined && resp.status < 400) delete seen.problem;
  if (data && typeof data.type === 'string' && data.type.startsWith('urn:ietf:params:acme:error:'))
    seen.problem = { type: data.type, detail: typeof data.detail === 'string' ? data.detail : '' };
  const ra = resp.headers?.['retry-after'];
  if ((resp.status === 429 || resp.status === 503) && typeof ra === 'string') {
    const secs = /^\d+$/.test(ra) ? Number(ra) * 1000 : Date.parse(ra) - Date.now();
    if (Number.isFinite(secs) && secs > 0) seen.retryAfterMs = secs;
  }
}

let installed = false;
/** Watches acme-client's own HTTP instance; tend does its own retrying (schedule.ts), so it does not. */
export function installProblemCapture(acme: AcmeClient): void {
  if (installed) return;
  installed = true;
  const defaults = acme.axios.defaults as unknown as { acmeSettings: Record<string, number> };
  defaults.acmeSettings = { ...defaults.acmeSettings, retryMaxAttempts: 0 };
  acme.axios.interceptors.response.use(
    (resp) => {
      note(resp);
      return resp;
    },
    (err: { response?: Parameters<typeof note>[0]; code?: string; message?: string }) => {
      if (err.response) note(err.response);
      else seen.transport = `${err.code ?? 'error'}: ${err.message ?? ''}`;
      return Promise.reject(err as Error);
    },
  );
  // First in line: acme-client's own handler turns a request without a response into a TypeError
  // ("reading 'config'"), so the transport error must be noted before it.
  const handlers = (acme.axios.interceptors.response as unknown as { handlers?: unknown[] }).handlers;
  if (Array.isArray(handlers) && handlers.length > 1) handlers.unshift(handlers.pop());
}

/** Starts a fresh record for one issuance (issuances run one at a time, see manager.ts). */
export function resetSeen(): void {
  seen = {};
}

/** The failure to report for an error thrown during an issuance. */
export function failureOf(err: unknown): AcmeFailure {
  if (err instanceof AcmeFailure) return err;
  const e = err as { message?: string; code?: string };
  const retry = seen.retryAfterMs;
  if (seen.problem)
    return new AcmeFailure(seen.problem.type, seen.problem.detail || (e.message ?? ''), retry);
  if (seen.transport)
    return new AcmeFailure('connection', `the ACME server is unreachable (${seen.transport})`, retry);
  if (e.code && /^E[A-Z]+$/.test(e.code))
    return new AcmeFailure('connection', `the ACME server is unreachable: ${e.message ?? e.code}`, retry);
  return new AcmeFailure('error', e.message ?? String(err), retry);
}
