// GET /v1/resources/:kind/:name/logs?tail=100&since=10m&instance=N&slow=1&follow=1: a resource's
// log lines, each marked with its instance and stream. With follow, server-sent events: the tail
// first, then every appended line ("event: line"), until the client goes away.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken } from './auth.js';
import { tokensEqual } from './token.js';
import type { ServerResponse } from 'node:http';
import { TendError } from '../errors/catalogue.js';
import type { ResourceKey } from '../model/index.js';
import { durationMs } from '../model/primitives.js';
import type { LogLine } from '../logs/read.js';
import { sendError } from './errors.js';
import { checkKindAndName } from './resource-params.js';
import { SECURITY_HEADERS } from './events.js';

export interface LogQuery {
  tail: number;
  sinceMs?: number;
  instance?: string;
  slow?: boolean;
}

/** What the route needs (src/logs/logs-api.ts implements it over the daemon). */
export interface LogsApi {
  read(key: ResourceKey, q: LogQuery): LogLine[];
  /** Calls emit with each new line; returns the function that stops following. */
  follow(key: ResourceKey, q: LogQuery, emit: (line: LogLine) => void): () => void;
}

export const MAX_TAIL = 10_000;
const MAX_LOG_STREAMS = 32;
const KEEP_ALIVE_MS = 15_000;

const querySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    tail: { type: 'string', pattern: '^[0-9]{1,5}$' },
    since: { type: 'string', maxLength: 16 },
    instance: { type: 'string', pattern: '^[0-9A-Za-z-]{1,64}$' },
    slow: { type: 'string', enum: ['1', 'true'] },
    follow: { type: 'string', enum: ['1', 'true'] },
  },
};

function parseQuery(q: Record<string, string | undefined>, now: number): LogQuery {
  const tail = q.tail === undefined ? 100 : Number(q.tail);
  if (tail < 1 || tail > MAX_TAIL)
    throw new TendError('TEND_ERR_USAGE', `querystring.tail: expected 1 to ${MAX_TAIL}; got ${q.tail}`);
  let sinceMs: number | undefined;
  if (q.since !== undefined) {
    const ms = durationMs(q.since);
    if (!Number.isFinite(ms) || ms <= 0)
      throw new TendError(
        'TEND_ERR_USAGE',
        `querystring.since: expected a duration such as 10m or 2h; got "${q.since}"`,
      );
    sinceMs = now - ms;
  }
  return {
    tail,
    ...(sinceMs !== undefined ? { sinceMs } : {}),
    ...(q.instance !== undefined ? { instance: q.instance } : {}),
    ...(q.slow !== undefined ? { slow: true } : {}),
  };
}

/**
 * Logs carry what apps print and who visited them: unlike status, they need the token even on a
 * loopback API, where every local user (every tenant) can connect.
 */
function requireToken(request: FastifyRequest, reply: FastifyReply, token: string | undefined): boolean {
  const given = bearerToken(request);
  if (token !== undefined && given !== undefined && tokensEqual(given, token)) return true;
  reply.header('WWW-Authenticate', 'Bearer realm="tend"');
  sendError(
    reply,
    401,
    'TEND_ERR_AUTH',
    'logs need the API token (Authorization: Bearer <token>), even on loopback',
  );
  return false;
}

export function registerLogRoutes(app: FastifyInstance, logs: LogsApi, opts: { token?: string } = {}): void {
  const streams = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const raw of streams) raw.end();
    streams.clear();
  });

  app.get('/v1/resources/:kind/:name/logs', { schema: { querystring: querySchema } }, (request, reply) => {
    if (!requireToken(request, reply, opts.token)) return reply;
    const { kind, name } = request.params as { kind: string; name: string };
    checkKindAndName(kind, name);
    const key = `${kind}/${name}` as ResourceKey;
    const raw = request.query as Record<string, string | undefined>;
    const q = parseQuery(raw, Date.now());
    const lines = logs.read(key, q);
    if (raw.follow === undefined) return reply.send({ key, lines });
    if (streams.size >= MAX_LOG_STREAMS) {
      reply.header('Retry-After', '5');
      return sendError(
        reply,
        429,
        'TEND_ERR_TOO_MANY',
        `${streams.size} log streams are open, the most this API serves`,
      );
    }
    // Resolve the sources before hijacking, so a bad request still gets a JSON error.
    let stop: (() => void) | undefined;
    const pending: LogLine[] = [];
    const sink: { out?: (l: LogLine) => void } = {};
    stop = logs.follow(key, q, (l) => (sink.out ? sink.out(l) : pending.push(l)));
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    streams.add(res);
    let closed = false;
    const write = (chunk: string) => {
      if (closed) return;
      // A reader that stopped reading is dropped rather than buffered without bound.
      if (res.writableLength > 1024 * 1024) {
        cleanup();
        res.destroy();
        return;
      }
      res.write(chunk);
    };
    const out = (l: LogLine) => write(`event: line\ndata: ${JSON.stringify(l)}\n\n`);
    const keepAlive = setInterval(() => write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    keepAlive.unref();
    function cleanup(): void {
      if (closed) return;
      closed = true;
      clearInterval(keepAlive);
      stop?.();
      stop = undefined;
      streams.delete(res);
    }
    res.on('close', cleanup);
    res.on('error', cleanup);
    res.write('retry: 3000\n: connected\n\n');
    for (const l of lines) out(l);
    for (const l of pending.splice(0)) out(l);
    sink.out = out;
    return reply;
  });
}
