// The git source's routes: its status, and (with the token, like every POST) refresh for a webhook
// relay or a post-receive hook, pin to a revision, unpin. 404 when tend serve runs without --git.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ApiDeps } from './deps.js';
import { sendError } from './errors.js';

const NO_SOURCE = 'this tend serve has no git source (start it with --git URL)';

export function registerSourceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const none = (reply: FastifyReply) => sendError(reply, 404, 'TEND_ERR_NOT_FOUND', NO_SOURCE);
  const emptyBody = {
    schema: { body: { type: ['object', 'null'], additionalProperties: false, properties: {} } },
  };

  app.get('/v1/source', async (_request, reply) => (deps.source ? deps.source.status() : none(reply)));

  app.post('/v1/source/refresh', emptyBody, async (_request, reply) =>
    deps.source ? deps.source.refresh() : none(reply),
  );

  app.post(
    '/v1/source/pin',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['revision'],
          properties: { revision: { type: 'string', pattern: '^[0-9a-f]{4,40}$' } },
        },
      },
    },
    async (request, reply) => {
      if (!deps.source) return none(reply);
      return deps.source.pin((request.body as { revision: string }).revision);
    },
  );

  app.post('/v1/source/unpin', emptyBody, async (_request, reply) =>
    deps.source ? deps.source.unpin() : none(reply),
  );
}
