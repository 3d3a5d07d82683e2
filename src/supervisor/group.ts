// Process-group signalling: every stop and every kill goes to the whole group (kill(-pgid)), so
// grandchildren are never left behind.
import type { Host } from '../host/index.js';

/** Signals the group; false when no process is left in it. Refuses pgid 0/1, which would hit everyone. */
export function groupKill(host: Host, pgid: number, signal: NodeJS.Signals | 0): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  return host.kill(-pgid, signal);
}

/** Resolves true if the promise settles within `ms`, false on timeout. */
export async function waitOr(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls until no process is left in the group, or `ms` passes; true when the group is gone. */
export async function waitGroupGone(host: Host, pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!groupKill(host, pgid, 0)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(25, Math.max(1, deadline - Date.now()))));
  }
}
