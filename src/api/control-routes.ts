// Operator controls over HTTP (the token is required, as for every change):
//   POST /v1/resources/:kind/:name/{restart,stop,start}  a native Program's instances (body.instance)
//   POST /v1/resources/:kind/:name/reload                 a Site's nginx or a Pool's php-fpm master
//   POST /v1/resources/:kind/:name/{suspend,resume}       pause reconciling one resource
//   POST /v1/pause, POST /v1/resume                       pause the whole daemon (plans still served)
//   GET  /v1/controls                                     what is paused, suspended and stopped
import type { FastifyInstance } from 'fastify';
import { TendError } from '../errors/catalogue.js';
import { checkKindAndName } from './resource-params.js';
import type { Kind } from '../model/index.js';

export const CONTROL_ACTIONS = ['restart', 'stop', 'start', 'reload', 'suspend', 'resume'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

export interface ControlRequest {
  kind: Kind;
  name: string;
  /** One instance of a Program; all when absent. */
  instance?: number;
  /** Who asked, for status ("alice via tend stop"); "api" when the caller does not say. */
  by: string;
}

export interface ControlResult {
  ok: boolean;
  key?: string;
  message: string;
  /** The resource's status after the control. */
  status?: object;
}

/** What the routes need from the controller (src/controls/controls-api.ts implements it). */
export interface ControlsApi {
  resource(action: ControlAction, req: ControlRequest): Promise<ControlResult>;
  pause(by: string): Promise<ControlResult>;
  resume(by: string): Promise<ControlResult>;
  state(): object;
}

/** Printable and short: it lands in status and events. */
const BY = '^[A-Za-z0-9_.@:+ -]{1,64}$';

const bodySchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    instance: { type: 'integer', minimum: 0, maximum: 999 },
    by: { type: 'string', pattern: BY },
  },
};

export function registerControlRoutes(app: FastifyInstance, controls: ControlsApi): void {
  app.post('/v1/resources/:kind/:name/:action', { schema: { body: bodySchema } }, async (request) => {
    const { kind, name, action } = request.params as { kind: string; name: string; action: string };
    if (!(CONTROL_ACTIONS as readonly string[]).includes(action))
      throw new TendError(
        'TEND_ERR_NOT_FOUND',
        `no control "${action.slice(0, 32)}": expected one of ${CONTROL_ACTIONS.join(', ')}`,
      );
    checkKindAndName(kind, name);
    const body = (request.body ?? {}) as { instance?: number; by?: string };
    return controls.resource(action as ControlAction, {
      kind: kind as Kind,
      name,
      ...(body.instance !== undefined ? { instance: body.instance } : {}),
      by: body.by ?? 'api',
    });
  });

  const byOnly = {
    schema: {
      body: {
        type: ['object', 'null'],
        additionalProperties: false,
        properties: { by: bodySchema.properties.by },
      },
    },
  };
  app.post('/v1/pause', byOnly, async (request) =>
    controls.pause((request.body as { by?: string } | null)?.by ?? 'api'),
  );
  app.post('/v1/resume', byOnly, async (request) =>
    controls.resume((request.body as { by?: string } | null)?.by ?? 'api'),
  );
  app.get('/v1/controls', async () => controls.state());
}
