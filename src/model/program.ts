// Program: a supervised long-running process (queue worker, scheduler, Node app, dev server).
import { z } from 'zod';
import { envelope } from './envelope.js';
import { argvElement, duration, name, port, signal, size, urlPath } from './primitives.js';
import { checkProcessFields, limits, processFields } from './process-fields.js';

export const probe = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('tcp'), port: port().optional() }),
    z.strictObject({
      type: z.literal('http'),
      port: port().optional(),
      path: urlPath().default('/'),
      expectStatus: z.number().int().min(100).max(599).default(200),
    }),
    z.strictObject({ type: z.literal('exec'), command: z.array(argvElement()).min(1).max(64) }),
  ])
  .and(
    z.strictObject({
      mode: z.enum(['liveness', 'readiness', 'both']).default('both'),
      initialDelay: duration('0s', '10m').default('0s'),
      interval: duration('1s', '1h').default('10s'),
      timeout: duration('100ms', '5m').default('2s'),
      failureThreshold: z.number().int().min(1).max(100).default(3),
      successThreshold: z.number().int().min(1).max(100).default(1),
    }),
  );

export const programSpec = z
  .strictObject({
    ...processFields('php, artisan, queue:work'),
    /** Pause reconciling this resource: not applied, not pruned, drift only reported (decision 0033). */
    suspend: z.boolean().optional(),
    instances: z.number().int().min(1).max(100).default(1),
    port: z.union([z.literal('auto'), port()]).optional(),
    restart: z.enum(['always', 'on-failure', 'never']).default('always'),
    backoff: z
      .strictObject({
        initial: duration('10ms', '1m').default('100ms'),
        max: duration('100ms', '1h').default('30s'),
      })
      .default({ initial: '100ms', max: '30s' }),
    startSeconds: z.number().int().min(0).max(3600).default(1),
    stop: z
      .strictObject({ signal: signal().default('TERM'), timeout: duration('0s', '1h').default('10s') })
      .default({ signal: 'TERM', timeout: '10s' }),
    health: probe.optional(),
    logs: z
      .strictObject({
        maxSize: size('1k', '10g').default('10m'),
        keep: z.number().int().min(0).max(100).default(5),
        maxLineLength: z.number().int().min(80).max(1_048_576).default(16_384),
      })
      .default({ maxSize: '10m', keep: 5, maxLineLength: 16_384 }),
    dependsOn: z.array(name()).max(50).default([]),
    backend: z.enum(['native', 'supervisord']).default('native'),
    limits: limits.optional(),
    /** revision: instances are rolled (one at a time) when a new desired-state revision is applied. */
    restartOn: z.enum(['revision']).optional(),
    /** backend supervisord: take over a [program:x] file tend did not write (`tend import`, 0043).
     * Optional, not defaulted: a new default would change every Program's generation hash. */
    adopt: z.boolean().optional(),
  })
  .superRefine((s, ctx) => {
    checkProcessFields(s, ctx);
    // supervisord runs a program without user= as itself, i.e. root: the user is always explicit.
    if (s.backend === 'supervisord' && s.user === undefined && !s.allowRoot)
      ctx.addIssue({
        code: 'custom',
        path: ['user'],
        message: 'backend supervisord needs a user (it would run the program as root), or allowRoot: true',
      });
    if (s.backend === 'supervisord' && s.limits !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['limits'],
        message: 'limits are enforced by the native supervisor only; expected backend: native',
      });
    if (typeof s.port === 'number' && s.port + s.instances - 1 > 65535)
      ctx.addIssue({
        code: 'custom',
        path: ['port'],
        message: `port ${s.port} with ${s.instances} instances runs past 65535`,
      });
    if (s.dependsOn.length !== new Set(s.dependsOn).size)
      ctx.addIssue({ code: 'custom', path: ['dependsOn'], message: 'dependsOn lists a Program twice' });
  });

export const programResource = envelope('Program', programSpec);
export type ProgramSpec = z.infer<typeof programSpec>;
export type Program = z.infer<typeof programResource>;
export type ProbeSpec = z.infer<typeof probe>;
