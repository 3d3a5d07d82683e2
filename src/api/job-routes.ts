// Job triggers and run records over HTTP: POST /v1/jobs/NAME/runs starts a run (the token is
// required, as for every change), GET lists runs, reads one record, and reads one run's log.
import type { FastifyInstance } from 'fastify';
import { isTendError } from '../errors/catalogue.js';
import { NAME_PATTERN } from '../model/index.js';
import type { RunRecord } from '../jobs/history.js';
import { sendError, statusForTendError } from './errors.js';

/** What the routes need from the Jobs runtime. */
export interface JobsApi {
  exists(name: string): boolean;
  trigger(name: string): Promise<RunRecord>;
  wait(name: string, id: string): Promise<RunRecord | undefined>;
  runs(name: string): RunRecord[];
  run(name: string, id: string): RunRecord | undefined;
  /** The run's log, or undefined when there is none. */
  log(name: string, id: string): string | undefined;
  /** True when `token` is this Job's own trigger token (`trigger: { token: true }`). */
  tokenMatches(name: string, token: string): boolean;
}

const JOB_RUNS_PATH = /^\/v1\/jobs\/([^/]+)\/runs(?:\/[^/]+(?:\/log)?)?$/;

/**
 * A Job's trigger token is good for that Job's runs only: starting one (POST .../runs) and reading
 * its run records and logs. Any other path, or another Job's, needs the API token.
 */
export function jobTokenAllows(jobs: JobsApi, method: string, path: string, token: string): boolean {
  const m = JOB_RUNS_PATH.exec(path);
  const name = m?.[1];
  if (!name || !NAME_PATTERN.test(name)) return false;
  const isStart = method === 'POST' && path === `/v1/jobs/${name}/runs`;
  if (!isStart && method !== 'GET') return false;
  return jobs.tokenMatches(name, token);
}

const RUN_ID = /^[0-9A-Za-z-]{1,64}$/;
const MAX_WAIT_MS = 3_600_000;

export function registerJobRoutes(app: FastifyInstance, jobs: JobsApi): void {
  const known = (name: string) => NAME_PATTERN.test(name) && jobs.exists(name);

  app.post(
    '/v1/jobs/:name/runs',
    {
      schema: {
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: { wait: { type: 'boolean' } },
        },
      },
    },
    async (request, reply) => {
      const { name } = request.params as { name: string };
      if (!known(name))
        return sendError(reply, 404, 'TEND_ERR_NOT_FOUND', `no resource Job/${name.slice(0, 64)}`);
      const wait = (request.body as { wait?: boolean } | null | undefined)?.wait === true;
      try {
        const run = await jobs.trigger(name);
        if (!wait) return reply.code(201).send({ run });
        let timer: NodeJS.Timeout | undefined;
        const final = await Promise.race([
          jobs.wait(name, run.id),
          new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), MAX_WAIT_MS))),
        ]).finally(() => clearTimeout(timer));
        return reply.code(201).send({ run: final ?? run });
      } catch (err) {
        if (isTendError(err))
          return sendError(
            reply,
            err.code === 'TEND_ERR_JOB_BUSY' ? 409 : statusForTendError(err),
            err.code,
            err.message,
          );
        throw err;
      }
    },
  );

  app.get('/v1/jobs/:name/runs', async (request, reply) => {
    const { name } = request.params as { name: string };
    if (!known(name))
      return sendError(reply, 404, 'TEND_ERR_NOT_FOUND', `no resource Job/${name.slice(0, 64)}`);
    return { runs: jobs.runs(name) };
  });

  app.get('/v1/jobs/:name/runs/:id', async (request, reply) => {
    const { name, id } = request.params as { name: string; id: string };
    const run = known(name) && RUN_ID.test(id) ? jobs.run(name, id) : undefined;
    if (!run)
      return sendError(
        reply,
        404,
        'TEND_ERR_NOT_FOUND',
        `no run ${id.slice(0, 64)} of Job/${name.slice(0, 64)}`,
      );
    return { run };
  });

  app.get('/v1/jobs/:name/runs/:id/log', async (request, reply) => {
    const { name, id } = request.params as { name: string; id: string };
    const text = known(name) && RUN_ID.test(id) ? jobs.log(name, id) : undefined;
    if (text === undefined)
      return sendError(
        reply,
        404,
        'TEND_ERR_NOT_FOUND',
        `no log of run ${id.slice(0, 64)} of Job/${name.slice(0, 64)}`,
      );
    return reply.type('text/plain; charset=utf-8').send(text);
  });
}
