// php-fpm's status page, read by tend's FastCGI client on the pool's status socket (pm.status_listen),
// never through nginx: the figures a pool reports about itself (processes, listen queue, max children
// reached, slow requests), and per-worker pids and last-request memory when the full list is cheap.
import { fastcgiRequest } from './fastcgi.js';

export type StatusTarget = { socketPath: string } | { host: string; port: number };

export interface FpmWorker {
  pid: number;
  state: string;
  /** memory_get_peak_usage() of the worker's last request, in bytes (0 while one runs). */
  lastRequestMemory: number;
  requestUri: string;
}

export interface FpmStatus {
  /** When the pool started (ISO 8601). */
  startTime: string;
  acceptedConn: number;
  listenQueue: number;
  maxListenQueue: number;
  listenQueueLen: number;
  idleProcesses: number;
  activeProcesses: number;
  totalProcesses: number;
  maxActiveProcesses: number;
  maxChildrenReached: number;
  slowRequests: number;
  /** Only with ?full. */
  workers?: FpmWorker[];
}

/**
 * Up to this many children, ?full is asked for: its size grows with the pool (~400 bytes a worker),
 * so a pool of 1,000 children would cost 400 kB of JSON per probe for pids the saturation check
 * does not need.
 */
export const FULL_STATUS_MAX_CHILDREN = 64;

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function parseFpmStatus(body: string): FpmStatus {
  const j = JSON.parse(body) as Record<string, unknown>;
  if (typeof j !== 'object' || j === null || !('accepted conn' in j))
    throw new Error(`not a php-fpm status page: ${body.slice(0, 120)}`);
  const status: FpmStatus = {
    startTime: new Date(num(j['start time']) * 1000).toISOString(),
    acceptedConn: num(j['accepted conn']),
    listenQueue: num(j['listen queue']),
    maxListenQueue: num(j['max listen queue']),
    listenQueueLen: num(j['listen queue len']),
    idleProcesses: num(j['idle processes']),
    activeProcesses: num(j['active processes']),
    totalProcesses: num(j['total processes']),
    maxActiveProcesses: num(j['max active processes']),
    maxChildrenReached: num(j['max children reached']),
    slowRequests: num(j['slow requests']),
  };
  if (Array.isArray(j.processes))
    status.workers = (j.processes as Record<string, unknown>[]).map((p) => ({
      pid: num(p.pid),
      state: String(p.state ?? ''),
      lastRequestMemory: num(p['last request memory']),
      requestUri: String(p['request uri'] ?? ''),
    }));
  return status;
}

export async function readFpmStatus(
  target: StatusTarget,
  statusPath: string,
  full: boolean,
  timeoutMs = 2_000,
): Promise<FpmStatus> {
  const query = full ? 'json&full' : 'json';
  const r = await fastcgiRequest({
    ...target,
    timeoutMs,
    params: {
      GATEWAY_INTERFACE: 'CGI/1.1',
      REQUEST_METHOD: 'GET',
      SCRIPT_NAME: statusPath,
      SCRIPT_FILENAME: statusPath,
      REQUEST_URI: `${statusPath}?${query}`,
      QUERY_STRING: query,
      SERVER_PROTOCOL: 'HTTP/1.1',
    },
  });
  if (r.status !== 200) throw new Error(`status ${statusPath}: expected 200, got ${r.status}`);
  return parseFpmStatus(r.body);
}
