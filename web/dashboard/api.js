// @ts-check
// The dashboard's calls to the tend API: reads without a token, controls with the bearer token the
// operator types once per browser session (kept in sessionStorage, never in localStorage or a cookie).

/**
 * @typedef {{ type: string, status: string, reason?: string, message?: string, lastTransitionTime?: string }} Condition
 * @typedef {{ phase?: string, conditions?: Condition[], outputs?: Record<string, unknown>, lastError?: { message?: string }, [field: string]: unknown }} Status
 * @typedef {{ reason: string, type?: string, key?: string, message?: string, time?: string, [field: string]: unknown }} TendEvent
 * @typedef {{ key: string, kind: string, name: string, spec?: unknown, status?: Status, events?: TendEvent[], labels?: Record<string, string> }} ResourceView
 * @typedef {{ revision?: string, lastPass?: { startedAt: string, durationMs: number, ok: boolean }, queue: { depth: number, running: number, backoff: number }, paused?: boolean }} DaemonState
 * @typedef {{ op: string, path: string, target: string | null, diff: string }} PlanFile
 * @typedef {{ key: string, actions: string[], reason: string, blocked: { message: string } | null, files: PlanFile[] }} PlanChange
 * @typedef {{ changes: PlanChange[], computedAt?: string, revision: string | null }} Plan the `--json` plan (docs/plan-json.md)
 */

const TOKEN_KEY = 'tend-token';

/** @param {string} kind @param {string} name */
export const resourcePath = (kind, name) =>
  `/v1/resources/${encodeURIComponent(kind)}/${encodeURIComponent(name)}`;

/**
 * @param {string} url
 * @returns {Promise<any>} the parsed body, or undefined on 404
 */
export async function getJson(url) {
  const res = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

/** @param {string} url */
export async function getText(url) {
  const res = await fetch(url, { headers: { accept: 'text/plain' }, cache: 'no-store' });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

/** The session's token, asking for it the first time (and again after the API refused it). */
export function token() {
  const kept = sessionStorage.getItem(TOKEN_KEY);
  if (kept) return kept;
  const typed = window.prompt('tend API token (kept for this browser session only)');
  if (!typed) return undefined;
  sessionStorage.setItem(TOKEN_KEY, typed.trim());
  return typed.trim();
}

/**
 * POSTs a control with the session's token; a 401 forgets the token so the next click asks again.
 * @param {string} url
 * @returns {Promise<{ ok: boolean, status: number, body: any }>}
 */
export async function postControl(url) {
  const bearer = token();
  if (!bearer) return { ok: false, status: 0, body: { error: { message: 'no token given' } } };
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${bearer}`,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: '{}',
    cache: 'no-store',
  });
  if (res.status === 401) sessionStorage.removeItem(TOKEN_KEY);
  let body;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  return { ok: res.ok, status: res.status, body };
}

/** Whether this browser session already holds a token (no prompt needed). */
export const hasToken = () => Boolean(sessionStorage.getItem(TOKEN_KEY));

/**
 * A GET that needs the token (the log stream): undefined when none was given; a 401 forgets it.
 * @param {string} url @param {AbortSignal} signal
 * @returns {Promise<Response | undefined>}
 */
export async function authedGet(url, signal) {
  const bearer = token();
  if (!bearer) return undefined;
  const res = await fetch(url, { headers: { authorization: `Bearer ${bearer}` }, cache: 'no-store', signal });
  if (res.status === 401) sessionStorage.removeItem(TOKEN_KEY);
  return res;
}
