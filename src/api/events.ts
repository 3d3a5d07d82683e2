// GET /v1/events: the event log as server-sent events, with keep-alive comments so that proxies keep
// the connection open, an unsubscribe as soon as the client goes away, and a cap on open streams.
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { ApiDeps, ApiEvent } from './deps.js';
import { sendError } from './errors.js';
import { maskSecrets } from './mask.js';

/** Open streams at most; each holds a socket and a subscription (`tend serve --max-event-streams`). */
export const DEFAULT_MAX_EVENT_STREAMS = 32;

export interface SseOptions {
  keepAliveMs: number;
  /** A client that stops reading is dropped once this much output is queued for it. */
  maxBufferedBytes?: number;
  /** More concurrent streams are refused with 429; the default is DEFAULT_MAX_EVENT_STREAMS. */
  maxStreams?: number;
}

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

/** An SSE event name must stay on one line: anything but a plain word becomes "_". */
export function sseEventName(reason: string): string {
  const name = reason.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
  return name.length > 0 ? name : 'message';
}

/** One frame. JSON.stringify escapes newlines, so the data stays one `data:` line. */
export function sseFrame(event: ApiEvent, named: boolean): string {
  const data = JSON.stringify(maskSecrets(event));
  return named ? `event: ${sseEventName(event.reason)}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}

export function registerEvents(app: FastifyInstance, deps: ApiDeps, opts: SseOptions): void {
  const streams = new Set<ServerResponse>();
  const maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024;
  const maxStreams = opts.maxStreams ?? DEFAULT_MAX_EVENT_STREAMS;

  // Open streams would hold close() forever; end them first.
  app.addHook('preClose', async () => {
    for (const raw of streams) raw.end();
    streams.clear();
  });

  app.get(
    '/v1/events',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          // as=message: unnamed frames, so a browser EventSource sees every event through onmessage.
          properties: { as: { type: 'string', enum: ['message'] } },
        },
      },
    },
    (request, reply) => {
      if (streams.size >= maxStreams) {
        reply.header('Retry-After', '5');
        return sendError(
          reply,
          429,
          'TEND_ERR_TOO_MANY',
          `${streams.size} event streams are open, the most this API serves (--max-event-streams ${maxStreams}); ` +
            'close one or raise the limit',
        );
      }
      const named = (request.query as { as?: string }).as !== 'message';
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      streams.add(raw);
      let closed = false;
      const write = (chunk: string) => {
        if (closed) return;
        if (raw.writableLength > maxBuffered) {
          cleanup();
          raw.destroy();
          return;
        }
        raw.write(chunk);
      };
      const unsubscribe = deps.subscribe((event) => write(sseFrame(event, named)));
      const keepAlive = setInterval(() => write(': keep-alive\n\n'), opts.keepAliveMs);
      keepAlive.unref();
      function cleanup(): void {
        if (closed) return;
        closed = true;
        clearInterval(keepAlive);
        unsubscribe();
        streams.delete(raw);
      }
      raw.on('close', cleanup);
      raw.on('error', cleanup);
      // Tells the client the stream is live and how soon to reconnect after a drop.
      raw.write('retry: 3000\n: connected\n\n');
    },
  );
}
