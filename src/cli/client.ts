// Talking to a running `tend serve` on the same root: find it (lock holder alive + api.json + a
// /healthz that answers), then make JSON requests over TCP or its unix socket with its token.
import { request } from 'node:http';
import type { Host } from '../host/host.js';
import { readDaemonInfo } from '../controller/daemon-info.js';
import { TendError } from '../errors/catalogue.js';
import type { ResourceKey } from '../model/index.js';
import type { ResourceStatus } from '../state/conditions.js';
import type { TendEvent } from '../state/events.js';
import { isHolderAlive, readLock } from '../state/lock.js';
import { DEFAULT_DETAIL_EVENTS, type StatusSource } from '../state/status-source.js';

export interface Daemon {
  url: string;
  pid: number;
  token?: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

export function target(
  url: string,
  path: string,
): { socketPath?: string; host?: string; port?: number; path: string } {
  if (url.startsWith('unix:')) return { socketPath: url.slice('unix:'.length), path };
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port), path };
}

export function apiRequest(
  daemon: Daemon,
  method: 'GET' | 'POST',
  path: string,
  opts: { body?: unknown; timeoutMs?: number } = {},
): Promise<ApiResponse> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...target(daemon.url, path),
        method,
        agent: false,
        headers: {
          ...(daemon.token ? { Authorization: `Bearer ${daemon.token}` } : {}),
          ...(payload !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* not JSON (metrics): keep the text */
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The daemon serving this state dir, or undefined when none runs (or it does not answer). */
export async function findDaemon(host: Host, stateDir: string): Promise<Daemon | undefined> {
  const lock = await readLock(host, stateDir);
  if (!lock || lock.command !== 'tend serve' || !(await isHolderAlive(host, lock))) return undefined;
  const info = await readDaemonInfo(host, stateDir);
  if (!info || info.pid !== lock.pid) return undefined;
  const token = (await host.fs.readFile(info.tokenFile).catch(() => undefined))?.trim();
  const daemon: Daemon = { url: info.url, pid: info.pid, ...(token ? { token } : {}) };
  try {
    const r = await apiRequest(daemon, 'GET', '/healthz', { timeoutMs: 2_000 });
    return r.status === 200 ? daemon : undefined;
  } catch {
    return undefined;
  }
}

/** Turns an API error body into the TendError it describes. */
export function apiError(r: ApiResponse): TendError {
  const e = (r.body as { error?: { code?: string; message?: string } } | undefined)?.error;
  const code = (e?.code ?? 'TEND_ERR_INTERNAL') as ConstructorParameters<typeof TendError>[0];
  try {
    return new TendError(code, e?.message ?? `the daemon answered HTTP ${r.status}`);
  } catch {
    return new TendError('TEND_ERR_INTERNAL', e?.message ?? `the daemon answered HTTP ${r.status}`);
  }
}

/**
 * `tend reconcile` while a daemon runs: ask it (POST /v1/reconcile waits for the pass) and report
 * its result, instead of racing it for the lock. Exit 0 when the pass succeeded, 1 otherwise.
 */
export async function reconcileViaDaemon(
  daemon: Daemon,
  req: { only?: string; json: boolean },
  out: { stdout: (t: string) => void; stderr: (t: string) => void },
): Promise<number> {
  const r = await apiRequest(daemon, 'POST', '/v1/reconcile', {
    body: req.only ? { resource: req.only } : {},
    timeoutMs: 30 * 60_000,
  });
  if (r.status !== 200) {
    const e = apiError(r);
    out.stderr(`tend reconcile: ${e.code}: ${e.message} (daemon pid ${daemon.pid} at ${daemon.url})\n`);
    return 1;
  }
  const result = r.body as {
    ok: boolean;
    durationMs: number;
    summary?: {
      create?: number;
      update?: number;
      delete?: number;
      blocked?: number;
      reloads?: { service: string; method: string; durationMs: number }[];
    };
    error?: { code: string; message: string };
  };
  if (req.json) out.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const s = result.summary ?? {};
    out.stdout(
      `Reconciled by the running tend serve (pid ${daemon.pid}) in ${result.durationMs} ms: ` +
        `${s.create ?? 0} created, ${s.update ?? 0} updated, ${s.delete ?? 0} deleted, ${s.blocked ?? 0} blocked.\n`,
    );
    for (const x of s.reloads ?? []) out.stdout(`  ${x.service}: ${x.method} in ${x.durationMs} ms\n`);
    if (result.error) out.stderr(`tend reconcile: ${result.error.code}: ${result.error.message}\n`);
  }
  return result.ok ? 0 : 1;
}

/** The daemon as a StatusSource: the same objects `tend status` reads from the state dir. */
export function httpStatusSource(daemon: Daemon): StatusSource {
  const get = async (path: string) => {
    const r = await apiRequest(daemon, 'GET', path);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw apiError(r);
    return r.body;
  };
  return {
    origin: daemon.url,
    async list(filter = {}) {
      const query = new URLSearchParams({
        ...(filter.kind ? { kind: filter.kind } : {}),
        ...(filter.phase ? { phase: filter.phase } : {}),
      });
      const body = (await get(`/v1/resources${query.size ? `?${query}` : ''}`)) as {
        items: { status?: ResourceStatus }[];
      };
      return body.items.flatMap((i) => (i.status ? [i.status] : []));
    },
    async get(key: ResourceKey, opts = {}) {
      const body = (await get(`/v1/resources/${key}`)) as
        { status?: ResourceStatus; events?: TendEvent[] } | undefined;
      if (!body?.status) return undefined;
      const limit = opts.events ?? DEFAULT_DETAIL_EVENTS;
      return { ...body.status, events: limit > 0 ? (body.events ?? []).slice(-limit) : [] };
    },
  };
}
