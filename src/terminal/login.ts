// One-time login links and the session cookies they are exchanged for, so the long-lived Terminal
// token never appears in a URL. A link carries a ticket: an expiry, a nonce and an HMAC keyed by the
// Terminal's token. Whoever can read the token (root, via `tend terminal open`) can mint one; the
// server verifies it without any shared state, and remembers used nonces until they expire.
import { createHmac, randomBytes } from 'node:crypto';
import { terminalTokensEqual } from './token.js';

/** How long a login link works after it is printed. */
export const LOGIN_TICKET_TTL_MS = 60_000;
/** How long the cookie a link is exchanged for keeps opening sessions (the browser forgets it sooner if closed). */
export const LOGIN_COOKIE_TTL_MS = 12 * 60 * 60_000;
export const LOGIN_COOKIE = 'tend_terminal';

/** Where a Terminal's page, login and socket live: its own path, so its cookie goes nowhere else. */
export const terminalBasePath = (name: string) => `/t/${name}/`;

function mac(token: string, name: string, expires: string, nonce: string): string {
  return createHmac('sha256', token)
    .update(`tend-terminal-login\n${name}\n${expires}\n${nonce}`)
    .digest('base64url');
}

/** A ticket for Terminal `name`, valid until now + ttl. */
export function mintLoginTicket(token: string, name: string, now: number, ttlMs = LOGIN_TICKET_TTL_MS) {
  const expires = String(now + ttlMs);
  const nonce = randomBytes(16).toString('hex');
  return `${expires}.${nonce}.${mac(token, name, expires, nonce)}`;
}

/** The login URL `tend terminal open` prints: the page URL plus the ticket, never the token. */
export function loginUrl(pageUrl: string, ticket: string): string {
  const url = new URL('login', pageUrl);
  url.searchParams.set('ticket', ticket);
  return url.href;
}

export type RedeemResult = 'ok' | 'invalid' | 'expired' | 'used';

/** Verifies tickets for one Terminal and makes each usable once. */
export class LoginTickets {
  /** Used nonces until their ticket would have expired anyway. */
  private readonly used = new Map<string, number>();

  constructor(
    private readonly token: () => string,
    private readonly name: string,
    private readonly now: () => number,
  ) {}

  redeem(ticket: string): RedeemResult {
    const m = /^(\d{1,15})\.([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$/.exec(ticket);
    if (!m) return 'invalid';
    const [, expires, nonce, given] = m as unknown as [string, string, string, string];
    if (!terminalTokensEqual(given, mac(this.token(), this.name, expires, nonce))) return 'invalid';
    const now = this.now();
    for (const [n, until] of this.used) if (until <= now) this.used.delete(n);
    const until = Number(expires);
    // A ticket minted with a longer life than the CLI gives is refused too: the 60 s bound is the server's.
    if (until <= now || until - now > LOGIN_TICKET_TTL_MS) return 'expired';
    if (this.used.has(nonce)) return 'used';
    this.used.set(nonce, until);
    return 'ok';
  }
}

/** Session cookies of one Terminal, in memory: a restart of tend logs everyone out. */
export class LoginSessions {
  private readonly sessions = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  create(): { id: string; maxAgeSeconds: number } {
    const now = this.now();
    for (const [id, until] of this.sessions) if (until <= now) this.sessions.delete(id);
    const id = randomBytes(32).toString('hex');
    this.sessions.set(id, now + LOGIN_COOKIE_TTL_MS);
    return { id, maxAgeSeconds: LOGIN_COOKIE_TTL_MS / 1000 };
  }

  valid(id: string | undefined): boolean {
    if (id === undefined) return false;
    const until = this.sessions.get(id);
    return until !== undefined && until > this.now();
  }

  clear(): void {
    this.sessions.clear();
  }
}

/** Every login cookie value in a Cookie header (a browser may hold a stale one beside the new one). */
export function loginCookiesFrom(header: string | undefined): string[] {
  const values: string[] = [];
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === LOGIN_COOKIE) {
      const value = part.slice(eq + 1).trim();
      if (/^[0-9a-f]{64}$/.test(value)) values.push(value);
    }
  }
  return values;
}

export function loginCookie(name: string, id: string, maxAgeSeconds: number): string {
  return `${LOGIN_COOKIE}=${id}; Path=${terminalBasePath(name)}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict`;
}
