// What `tend status` shows when no `tend serve` runs: Programs and Terminals live only under the
// daemon, so their last live state (Ready, pids, ports) would be a lie. They read Unknown with
// "tend serve is not running (last seen T)"; files-only kinds (Sites, Pools) keep their status.
import type { Host } from '../host/host.js';
import { SERVE_NOT_RUNNING, setCondition, type ResourceStatus } from './conditions.js';
import type { StatusSource } from './status-source.js';

/** Written by `tend serve` as it stops cleanly: when it was last seen running this root. */
export const SERVE_SEEN_FILE = 'serve-last-seen.json';
/** The daemon's address file (controller/daemon-info.ts): left behind when it did not stop cleanly. */
const API_INFO_FILE = 'api.json';

const RUNTIME_KINDS = new Set(['Program', 'Terminal', 'Job']);

export async function recordServeStopped(host: Host, stateDir: string, at = new Date()): Promise<void> {
  await host.fs.writeFileAtomic(
    `${stateDir}/${SERVE_SEEN_FILE}`,
    `${JSON.stringify({ at: at.toISOString() })}\n`,
    0o644,
  );
}

const readJson = async (host: Host, path: string): Promise<Record<string, unknown> | undefined> => {
  const raw = await host.fs.readFile(path).catch(() => undefined);
  if (raw === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * When tend serve was last seen on this root, as words: the time it stopped; for a daemon that
 * died without stopping (its api.json is still there) the time it started, "or later"; else never.
 */
export async function serveLastSeen(host: Host, stateDir: string): Promise<string> {
  const [seen, info] = await Promise.all([
    readJson(host, `${stateDir}/${SERVE_SEEN_FILE}`),
    readJson(host, `${stateDir}/${API_INFO_FILE}`),
  ]);
  const stopped = typeof seen?.at === 'string' ? seen.at : undefined;
  const started = typeof info?.since === 'string' && info.since !== '' ? info.since : undefined;
  if (started && (!stopped || started > stopped)) return `${started} or later; it did not stop cleanly`;
  if (stopped) return stopped;
  return 'never on this root';
}

export const serveNotRunningMessage = (lastSeen: string) =>
  `tend serve is not running (last seen ${lastSeen})`;

/** A Program or Terminal as it must read without a daemon; other kinds pass through unchanged. */
export function offlineView(status: ResourceStatus, lastSeen: string): ResourceStatus {
  if (!RUNTIME_KINDS.has(status.kind)) return status;
  const message = serveNotRunningMessage(lastSeen);
  const at = status.updatedAt;
  let st = setCondition(status, { type: 'Ready', status: 'Unknown', reason: SERVE_NOT_RUNNING, message }, at);
  if (st.conditions.some((c) => c.type === 'Healthy'))
    st = setCondition(st, { type: 'Healthy', status: 'Unknown', reason: SERVE_NOT_RUNNING, message }, at);
  // Pids, ports, restarts and probe details describe processes that may no longer exist.
  const { health: _health, ...rest } = st;
  return { ...rest, outputs: {} };
}

/** Wraps the state dir's source for a root no daemon serves. */
export function offlineStatusSource(host: Host, stateDir: string, inner: StatusSource): StatusSource {
  return {
    origin: `${inner.origin} (tend serve is not running)`,
    async list(filter = {}) {
      const lastSeen = await serveLastSeen(host, stateDir);
      const all = (await inner.list(filter.kind ? { kind: filter.kind } : {})).map((s) =>
        offlineView(s, lastSeen),
      );
      return filter.phase ? all.filter((s) => s.phase === filter.phase) : all;
    },
    async get(key, opts) {
      const found = await inner.get(key, opts);
      if (!found) return undefined;
      const lastSeen = await serveLastSeen(host, stateDir);
      return { ...offlineView(found, lastSeen), events: found.events };
    },
  };
}
