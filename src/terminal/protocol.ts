// The terminal's wire protocol: client messages (auth, input, resize) parsed strictly, and the close
// codes a client sees, each with a reason a person can act on.

/** Close codes in the private range (4000-4999), plus the standard ones the server uses. */
export const CLOSE = {
  shellExited: { code: 1000, reason: 'the shell exited' },
  serverError: { code: 1011, reason: 'the shell could not be started' },
  idle: { code: 4000, reason: 'closed after the idle timeout (no input)' },
  maxDuration: { code: 4001, reason: 'closed: the maximum session duration was reached' },
  stopped: { code: 4002, reason: 'the terminal was stopped or reconfigured' },
  badMessage: { code: 4400, reason: 'expected a JSON message of type input or resize' },
  unauthorized: { code: 4401, reason: 'unauthorized: the token is missing or wrong' },
  authTimeout: { code: 4408, reason: 'unauthorized: no token was sent in time' },
  tooManySessions: { code: 4429, reason: 'too many sessions' },
  expired: { code: 4410, reason: 'this terminal has expired' },
  evicted: { code: 4409, reason: 'closed: too many connections are waiting to authenticate' },
} as const;

export type CloseKind = keyof typeof CLOSE;

export interface AuthMessage {
  token: string;
  cols?: number;
  rows?: number;
}

export type ClientMessage = { type: 'input'; data: string } | { type: 'resize'; cols: number; rows: number };

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The first message: `{"auth": "<token>", "cols": 80, "rows": 24}`; undefined when it is not one.
 * With a login cookie (`tokenOptional`) the token may be left out: `{"cols": 80, "rows": 24}`.
 */
export function parseAuth(text: string, tokenOptional = false): AuthMessage | undefined {
  const msg = parseObject(text);
  if (!msg) return undefined;
  if (typeof msg.auth !== 'string' && !(tokenOptional && msg.auth === undefined)) return undefined;
  return {
    token: typeof msg.auth === 'string' ? msg.auth : '',
    ...(typeof msg.cols === 'number' ? { cols: msg.cols } : {}),
    ...(typeof msg.rows === 'number' ? { rows: msg.rows } : {}),
  };
}

/** Every later message; anything else is a protocol error that closes the session. */
export function parseClientMessage(text: string): ClientMessage | undefined {
  const msg = parseObject(text);
  if (msg?.type === 'input' && typeof msg.data === 'string') return { type: 'input', data: msg.data };
  if (msg?.type === 'resize' && typeof msg.cols === 'number' && typeof msg.rows === 'number')
    return { type: 'resize', cols: msg.cols, rows: msg.rows };
  return undefined;
}

/** The text frame sent once a session is open, so the page can say whether typing is possible. */
export function readyMessage(session: string, mode: string): string {
  return JSON.stringify({ type: 'ready', session, mode });
}
