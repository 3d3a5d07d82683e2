// buildServer(deps): the fastify instance with auth, routes, events, metrics and the dashboard, not
// yet listening, so that tests drive it through inject() and the CLI decides where it binds.
import Fastify, { type FastifyInstance } from 'fastify';
import { TendError } from '../errors/catalogue.js';
import { installAuth } from './auth.js';
import { jobTokenAllows, registerJobRoutes, type JobsApi } from './job-routes.js';
import { registerControlRoutes } from './control-routes.js';
import { registerLogRoutes } from './log-routes.js';
import { registerDashboard } from './dashboard.js';
import type { ApiDeps } from './deps.js';
import { installErrorHandlers } from './errors.js';
import { SECURITY_HEADERS, registerEvents } from './events.js';
import { registerRoutes } from './routes.js';
import { registerSourceRoutes } from './source-routes.js';

export interface ServerOptions {
  token?: string;
  /**
   * Reads need the token as well: set by the caller when the bind is not loopback, or on a
   * multi-user host (`tend serve --require-read-token`).
   */
  requireTokenForReads?: boolean;
  /**
   * Answer only to loopback names in Host (DNS rebinding); the default is on unless reads need the
   * token, so a loopback bind keeps it when --require-read-token is given too.
   */
  loopbackHostOnly?: boolean;
  /** Concurrent GET /v1/events streams; more get 429. */
  maxEventStreams?: number;
  logger?: boolean | object;
  /** Interval of SSE keep-alive comments. */
  sseKeepAliveMs?: number;
  bodyLimit?: number;
}

export interface ApiSettings {
  tokenConfigured: boolean;
  requireTokenForReads: boolean;
}

/** What listen() must know about a server it did not build itself. */
const settings = new WeakMap<FastifyInstance, ApiSettings>();

export function apiSettings(server: FastifyInstance): ApiSettings | undefined {
  return settings.get(server);
}

const REDACT = ['req.headers.authorization', 'req.headers.cookie'];

/** A logger options object gets the redaction paths; a ready pino instance is used as given. */
function loggerOptions(logger: boolean | object | undefined): Record<string, unknown> {
  if (logger === undefined || logger === false) return { logger: false };
  if (logger === true) return { logger: { level: 'info', redact: REDACT } };
  if (typeof (logger as { child?: unknown }).child === 'function') return { loggerInstance: logger };
  const given = logger as { redact?: string[] };
  return { logger: { ...given, redact: [...REDACT, ...(Array.isArray(given.redact) ? given.redact : [])] } };
}

export function buildServer(deps: ApiDeps, opts: ServerOptions = {}): FastifyInstance {
  const token = opts.token === '' ? undefined : opts.token;
  const requireTokenForReads = opts.requireTokenForReads === true;
  if (requireTokenForReads && token === undefined) {
    throw new TendError(
      'TEND_ERR_AUTH',
      'an API reachable from the network needs a token: pass --token-file <path>, or bind to 127.0.0.1 or a unix socket',
    );
  }
  const app = Fastify({
    ...loggerOptions(opts.logger),
    bodyLimit: opts.bodyLimit ?? 16 * 1024,
    // Unknown keys and wrong types must be refused, not silently dropped or coerced (fastify's defaults).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    return503OnClosing: true,
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;
  settings.set(app, { tokenConfigured: token !== undefined, requireTokenForReads });

  // Only JSON bodies: a text/plain POST is what a cross-site form can send without a preflight.
  app.removeContentTypeParser('text/plain');
  installErrorHandlers(app);
  installAuth(app, {
    token,
    requireTokenForReads,
    loopbackHostOnly: opts.loopbackHostOnly ?? !requireTokenForReads,
    ...(deps.jobs ? { scopedToken: scopedJobToken(deps.jobs) } : {}),
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      if (!reply.hasHeader(name)) reply.header(name, value);
    }
    return payload;
  });

  registerRoutes(app, deps);
  registerSourceRoutes(app, deps);
  if (deps.jobs) registerJobRoutes(app, deps.jobs);
  if (deps.controls) registerControlRoutes(app, deps.controls);
  if (deps.logs) registerLogRoutes(app, deps.logs, token !== undefined ? { token } : {});
  registerEvents(app, deps, {
    keepAliveMs: opts.sseKeepAliveMs ?? 15_000,
    ...(opts.maxEventStreams !== undefined ? { maxStreams: opts.maxEventStreams } : {}),
  });
  registerDashboard(app);
  return app;
}

function scopedJobToken(jobs: JobsApi) {
  return (method: string, path: string, given: string) => jobTokenAllows(jobs, method, path, given);
}
