// The terminal's plain HTTP side: the Host check, the redirect to its base path, the one-time login
// link (GET <base>login?ticket=…, a used, expired or forged ticket gets a 403 that says how to get a
// new one), the page and its assets; and the exclusive listen, with an error that names the Terminal.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { TendError } from '../errors/catalogue.js';
import { checkHost } from './gate.js';
import { LoginSessions, LoginTickets, loginCookie, loginCookiesFrom, type RedeemResult } from './login.js';
import { sendText, servePage, setSecurityHeaders, type PageAssets } from './page.js';
import type { TerminalLogger } from './session.js';

export interface LoginRoute {
  name: string;
  base: string;
  tickets: LoginTickets;
  logins: LoginSessions;
  logger?: TerminalLogger;
  refused(message: string, req: IncomingMessage): void;
}

export function redeemLogin(route: LoginRoute, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET') return sendText(res, 405, 'method not allowed', { Allow: 'GET' });
  const ticket = new URL(req.url ?? '/', 'http://terminal.invalid').searchParams.get('ticket') ?? '';
  const result: RedeemResult = route.tickets.redeem(ticket);
  if (result !== 'ok') {
    const why = { invalid: 'is not valid', expired: 'has expired', used: 'was already used' }[result];
    route.refused(`a login link was refused: it ${why}`, req);
    return sendText(
      res,
      403,
      `This login link ${why}. Run \`tend terminal open ${route.name}\` for a new one ` +
        '(links work once, within 60 seconds), or enter the token on the page.',
    );
  }
  const session = route.logins.create();
  route.logger?.info({ terminal: route.name }, 'a login link was used');
  sendText(res, 303, route.base, {
    Location: route.base,
    'Set-Cookie': loginCookie(route.name, session.id, session.maxAgeSeconds),
  });
}

/** Every plain HTTP request of one Terminal (the WebSocket upgrade is the server's). */
export function handleRequest(
  route: LoginRoute,
  assets: PageAssets,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  setSecurityHeaders(res);
  const refusal = checkHost(req);
  if (refusal) return sendText(res, refusal.status, refusal.text);
  const path = new URL(req.url ?? '/', 'http://terminal.invalid').pathname;
  if (path === '/' || path === route.base.slice(0, -1))
    return sendText(res, 302, route.base, { Location: route.base });
  if (path === `${route.base}login`) return redeemLogin(route, req, res);
  servePage(assets, req, res, route.base, hasLogin(route.logins, req));
}

/** The request carries a valid login cookie of this Terminal. */
export function hasLogin(logins: LoginSessions, req: IncomingMessage): boolean {
  return loginCookiesFrom(req.headers.cookie).some((id) => logins.valid(id));
}

/** Listens on bind:port alone (exclusive), or fails with TEND_ERR_SPAWN naming the Terminal. */
export function listenExclusive(http: Server, name: string, bind: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    http.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new TendError(
          'TEND_ERR_SPAWN',
          `Terminal/${name}: could not listen on ${bind}:${port}: ${err.code ?? err.message}`,
        ),
      ),
    );
    http.listen({ host: bind, port, exclusive: true }, resolve);
  });
}
