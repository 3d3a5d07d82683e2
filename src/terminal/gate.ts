// The checks in front of every session: the upgrade path and handshake, Origin against Host (no
// cross-site WebSocket hijacking), a cap on unauthenticated sockets, and the token in the first message.
import type { IncomingMessage } from 'node:http';
import { CLOSE, parseAuth, type AuthMessage } from './protocol.js';
import { terminalTokensEqual } from './token.js';
import { handshakeProblem, refuseUpgrade, type WebSocketConnection } from './websocket.js';

export const AUTH_TIMEOUT_MS = 10_000;
/** Sockets that have not sent a token yet; more are refused so a flood cannot pile them up. */
export const MAX_PENDING = 16;

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

/** Checks that need no token: path, handshake, Origin, pending cap. */
export function checkUpgrade(req: IncomingMessage, pending: number): Refusal | undefined {
  const path = new URL(req.url ?? '/', 'http://terminal.invalid').pathname;
  if (path !== '/ws') return { status: 404, text: 'Not Found' };
  const problem = handshakeProblem(req);
  if (problem) return { status: 400, text: `Bad Request: ${problem}` };
  if (!originMatchesHost(req.headers.origin, req.headers.host))
    return { status: 403, text: 'Forbidden: Origin does not match Host' };
  if (pending >= MAX_PENDING)
    return { status: 503, text: 'Service Unavailable: too many pending connections' };
  return undefined;
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
 * Waits for `{"auth": token}` as the first message. Resolves with the
 * authenticated connection, or undefined after closing it (wrong token 4401, timeout 4408, gone).
 */
export function authenticate(conn: WebSocketConnection, token: string): Promise<Authenticated | undefined> {
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
      const auth = isBinary ? undefined : parseAuth(data.toString('utf8'));
      if (!auth || !terminalTokensEqual(auth.token, token)) {
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
