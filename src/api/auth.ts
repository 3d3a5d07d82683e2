// Bearer-token auth and the loopback Host guard: every mutation needs the token, every read (the event
// stream and the plan included) needs it too when the API is reachable from the network or the
// operator asks for it, and a loopback API answers only to loopback host names.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors.js';
import { tokensEqual } from './token.js';

export interface AuthOptions {
  token?: string;
  requireTokenForReads: boolean;
  /** Refuse Host headers that are not loopback names; defaults to !requireTokenForReads. */
  loopbackHostOnly?: boolean;
  /**
   * A narrower token that is good for this one request only (a Job's own trigger token for its own
   * runs); checked before the API token, and never widens anything else.
   */
  scopedToken?: (method: string, path: string, given: string) => boolean;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const NO_TOKEN_HELP =
  'this API has no token configured, so it refuses every change; start `tend serve` with ' +
  '--token-file <path> (a file of mode 0600 holding a random token, e.g. from `openssl rand -hex 32`)';

/** The token from `Authorization: Bearer <token>`, or undefined when the header is absent or another scheme. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header);
  return match?.[1];
}

function refuse(reply: FastifyReply, message: string): FastifyReply {
  reply.header('WWW-Authenticate', 'Bearer realm="tend"');
  return sendError(reply, 401, 'TEND_ERR_AUTH', message);
}

/**
 * A web page can make a browser resolve its own host name to 127.0.0.1 (DNS rebinding) and read a
 * loopback API; refusing foreign Host headers closes that door.
 */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  if (host === undefined) return true;
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  const lower = name.toLowerCase();
  return (
    lower === 'localhost' ||
    lower.endsWith('.localhost') ||
    lower === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(lower)
  );
}

export function installAuth(app: FastifyInstance, opts: AuthOptions): void {
  app.addHook('onRequest', async (request, reply) => {
    const hostCheck = opts.loopbackHostOnly ?? !opts.requireTokenForReads;
    if (hostCheck && !isLoopbackHostHeader(request.headers.host)) {
      return sendError(
        reply,
        403,
        'TEND_ERR_AUTH',
        'this API listens on loopback and answers only to localhost, 127.0.0.1 or [::1] in the Host header',
      );
    }
    const path = request.url.split('?')[0];
    if (path === '/healthz') return;
    const mutating = !READ_METHODS.has(request.method);
    if (!mutating && !opts.requireTokenForReads) return;
    const scoped = bearerToken(request);
    if (scoped !== undefined && opts.scopedToken?.(request.method, path ?? '', scoped)) return;
    if (opts.token === undefined) return sendError(reply, 403, 'TEND_ERR_AUTH', NO_TOKEN_HELP);
    const given = bearerToken(request);
    if (given === undefined) {
      return refuse(reply, 'expected an Authorization: Bearer <token> header; got none');
    }
    if (!tokensEqual(given, opts.token)) return refuse(reply, 'the bearer token is not valid');
  });
}
