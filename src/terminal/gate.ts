// The checks in front of every session: the upgrade path and handshake, a loopback Host (no DNS
// rebinding), Origin against Host (no cross-site WebSocket hijacking), caps on unauthenticated sockets
// in total and per address, and the token (or a login cookie) before the first message is trusted.
import type { IncomingMessage } from 'node:http';
import { isLoopbackHostHeader } from '../api/auth.js';
import { CLOSE, parseAuth, type AuthMessage } from './protocol.js';
import { terminalTokensEqual } from './token.js';
import { handshakeProblem, refuseUpgrade, type WebSocketConnection } from './websocket.js';

export const AUTH_TIMEOUT_MS = 10_000;
/** Sockets that have not authenticated yet, in all and from one address; see PendingSockets. */
export const MAX_PENDING = 64;
export const MAX_PENDING_PER_ADDRESS = 8;

/**
 * A browser always sends Origin on a WebSocket; it must name the host the page was served from. No
 * Origin means a non-browser client, which cannot be a victim of hijacking and still needs the token.
 */
export function originMatchesHost(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (host === undefined) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const withPort = (h: string, p: string) => (/:\d+$/.test(h) && !h.endsWith(']') ? h : `${h}:${p}`);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return withPort(url.host, port).toLowerCase() === withPort(host, port).toLowerCase();
}

export type Refusal = { status: number; text: string };

/**
 * Terminals bind to loopback only, so a Host that is not a loopback name is a page that made a
 * browser resolve its own name to 127.0.0.1 (DNS rebinding); the Origin check cannot see that.
 */
export function checkHost(req: IncomingMessage): Refusal | undefined {
  if (isLoopbackHostHeader(req.headers.host)) return undefined;
  return { status: 403, text: 'Forbidden: a Terminal answers only to localhost, 127.0.0.1 or [::1] in Host' };
}

/** Checks that need no token: path, handshake, Host, Origin. */
export function checkUpgrade(req: IncomingMessage, socketPath: string): Refusal | undefined {
  const path = new URL(req.url ?? '/', 'http://terminal.invalid').pathname;
  if (path !== socketPath) return { status: 404, text: 'Not Found' };
  const problem = handshakeProblem(req);
  if (problem) return { status: 400, text: `Bad Request: ${problem}` };
  const host = checkHost(req);
  if (host) return host;
  if (!originMatchesHost(req.headers.origin, req.headers.host))
    return { status: 403, text: 'Forbidden: Origin does not match Host' };
  return undefined;
}

/**
 * Unauthenticated sockets. Refusing new ones at a cap let 16 idle sockets lock the owner out, so a
 * full cap evicts instead: the oldest pending socket of the same address, else the oldest of all.
 * An owner authenticates within milliseconds of connecting, so a flood can delay them but not lock
 * them out, and the number of sockets held before authentication stays bounded.
 */
export class PendingSockets {
  private readonly order: Array<{ address: string; conn: WebSocketConnection }> = [];

  constructor(
    private readonly max = MAX_PENDING,
    private readonly maxPerAddress = MAX_PENDING_PER_ADDRESS,
  ) {}

  get size(): number {
    return this.order.length;
  }

  add(address: string, conn: WebSocketConnection): void {
    const same = this.order.filter((p) => p.address === address);
    if (same.length >= this.maxPerAddress) this.evict(same[0]!.conn);
    else if (this.order.length >= this.max) this.evict(this.order[0]!.conn);
    this.order.push({ address, conn });
  }

  remove(conn: WebSocketConnection): void {
    const at = this.order.findIndex((p) => p.conn === conn);
    if (at >= 0) this.order.splice(at, 1);
  }

  private evict(conn: WebSocketConnection): void {
    this.remove(conn);
    conn.close(CLOSE.evicted.code, CLOSE.evicted.reason);
  }
}

export interface Authenticated {
  conn: WebSocketConnection;
  auth: AuthMessage;
  /** Messages that arrived after the auth message while the session was being set up. */
  queued: Array<[Buffer, boolean]>;
  /** Route later messages to the session; the queue is replayed first. */
  attach(receive: (data: Buffer, isBinary: boolean) => void): void;
}

/**
 * Waits for `{"auth": token}` as the first message, or `{}` with sizes when the upgrade carried a
 * valid login cookie (`cookieValid`). Resolves with the authenticated connection, or undefined after
 * closing it (wrong token 4401, timeout 4408, gone).
 */
export function authenticate(
  conn: WebSocketConnection,
  token: string,
  cookieValid = false,
): Promise<Authenticated | undefined> {
  return new Promise((resolve) => {
    let state: 'waiting' | 'queueing' | 'attached' = 'waiting';
    const queued: Array<[Buffer, boolean]> = [];
    let receiver: ((data: Buffer, isBinary: boolean) => void) | undefined;
    const timer = setTimeout(
      () => conn.close(CLOSE.authTimeout.code, CLOSE.authTimeout.reason),
      AUTH_TIMEOUT_MS,
    );
    conn.on('close', () => {
      clearTimeout(timer);
      if (state === 'waiting') resolve(undefined);
    });
    conn.on('message', (data: Buffer, isBinary: boolean) => {
      if (state === 'attached') return receiver?.(data, isBinary);
      if (state === 'queueing') return void queued.push([data, isBinary]);
      clearTimeout(timer);
      const auth = isBinary ? undefined : parseAuth(data.toString('utf8'), cookieValid);
      if (!auth || !(cookieValid || terminalTokensEqual(auth.token, token))) {
        conn.close(CLOSE.unauthorized.code, CLOSE.unauthorized.reason);
        return;
      }
      state = 'queueing';
      resolve({
        conn,
        auth,
        queued,
        attach(receive) {
          receiver = receive;
          state = 'attached';
          for (const [d, b] of queued.splice(0)) receive(d, b);
        },
      });
    });
  });
}

export { refuseUpgrade };
