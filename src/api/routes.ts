// The JSON routes: health, resources with their status, the current plan and a waited-for reconcile.
import type { FastifyInstance } from 'fastify';
import { KINDS, NAME_PATTERN, parseResourceKey, resourceKey, type Kind } from '../model/index.js';
import { API_PHASES, type ApiDeps, type ResourceView } from './deps.js';
import { sendError } from './errors.js';
import { maskSecrets } from './mask.js';
import { PROMETHEUS_CONTENT_TYPE } from './metrics.js';
import { planText, publicPlan } from './plan-view.js';
import { checkKindAndName, KIND_HELP } from './resource-params.js';

function view(resource: ResourceView): ResourceView {
  return maskSecrets(resource);
}

export function registerRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/healthz', async (_request, reply) => {
    const health = deps.health();
    return reply.code(health.live ? 200 : 503).send({ live: health.live });
  });

  app.get('/readyz', async (_request, reply) => {
    const health = deps.health();
    const body = {
      ready: health.ready,
      ...(health.reason !== undefined ? { reason: health.reason } : {}),
      ...(health.problems ? { problems: health.problems } : {}),
    };
    return reply.code(health.ready ? 200 : 503).send(body);
  });

  app.get(
    '/v1/resources',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            kind: { type: 'string', enum: [...KINDS] },
            phase: { type: 'string', enum: [...API_PHASES] },
          },
        },
      },
    },
    async (request) => {
      const { kind, phase } = request.query as { kind?: Kind; phase?: string };
      const filter = { ...(kind ? { kind } : {}), ...(phase ? { phase } : {}) };
      return { items: deps.listResources(filter).map(view) };
    },
  );

  app.get('/v1/resources/:kind/:name', async (request, reply) => {
    const params = request.params as { kind: string; name: string };
    const { kind, name } = checkKindAndName(params.kind, params.name);
    const found = deps.getResource(kind, name);
    if (!found) return sendError(reply, 404, 'TEND_ERR_NOT_FOUND', `no resource ${resourceKey(kind, name)}`);
    return view(found);
  });

  app.get(
    '/v1/plan',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          // format=text: the plan exactly as `tend reconcile --plan` prints it (no colour).
          properties: { format: { type: 'string', enum: ['json', 'text'] } },
        },
      },
    },
    async (request, reply) => {
      const plan = await deps.currentPlan();
      if ((request.query as { format?: string }).format !== 'text') return publicPlan(plan);
      return reply.type('text/plain; charset=utf-8').send(planText(plan, deps.desiredLabel));
    },
  );

  app.get('/v1/daemon', async (_request, reply) => {
    if (!deps.daemon) return sendError(reply, 404, 'TEND_ERR_NOT_FOUND', 'this API runs without a daemon');
    return deps.daemon();
  });

  app.post(
    '/v1/reconcile',
    {
      schema: {
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: { resource: { type: 'string', maxLength: 200 } },
        },
      },
    },
    async (request, reply) => {
      const resource = (request.body as { resource?: string } | null | undefined)?.resource;
      if (resource === undefined) return deps.reconcile({});
      const parsed = parseResourceKey(resource);
      if (!parsed || !NAME_PATTERN.test(parsed.name)) {
        return sendError(
          reply,
          400,
          'TEND_ERR_USAGE',
          `body.resource: expected Kind/name with Kind ${KIND_HELP}, e.g. Site/shop; got "${resource.slice(0, 64)}"`,
        );
      }
      const key = resourceKey(parsed.kind, parsed.name);
      if (!deps.getResource(parsed.kind, parsed.name)) {
        return sendError(reply, 404, 'TEND_ERR_NOT_FOUND', `no resource ${key}`);
      }
      return deps.reconcile({ key });
    },
  );

  app.get('/metrics', async (_request, reply) => {
    return reply.type(PROMETHEUS_CONTENT_TYPE).send(await deps.metrics.exposition());
  });
}
