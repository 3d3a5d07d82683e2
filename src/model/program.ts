// Program: a supervised long-running process (queue worker, scheduler, Node app, dev server).
import { z } from 'zod';
import { envelope } from './envelope.js';
import {
  absolutePath,
  argvElement,
  duration,
  env,
  name,
  port,
  signal,
  size,
  systemUser,
  urlPath,
} from './primitives.js';
import { privilegedGroup } from './privilege.js';

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
    command: z
      .array(argvElement())
      .min(1, { message: 'expected a command as an argv list, e.g. [php, artisan, queue:work]' })
      .max(256),
    shell: z.boolean().default(false),
    directory: absolutePath().optional(),
    user: systemUser().optional(),
    group: systemUser().optional(),
    allowRoot: z.boolean().default(false),
    /** Pause reconciling this resource: not applied, not pruned, drift only reported (decision 0033). */
    suspend: z.boolean().optional(),
    env: env(),
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
  })
  .superRefine((s, ctx) => {
    if (s.shell && s.command.length !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['command'],
        message: 'with shell: true, command must be a single string for sh -c',
      });
    if (s.user === 'root' && !s.allowRoot)
      ctx.addIssue({ code: 'custom', path: ['user'], message: 'running as root needs allowRoot: true' });
    const groupWhy = privilegedGroup(s.group, undefined);
    if (groupWhy && !s.allowRoot)
      ctx.addIssue({
        code: 'custom',
        path: ['group'],
        message: `group ${s.group} is privileged (${groupWhy}); it needs allowRoot: true`,
      });
    // supervisord runs a program without user= as itself, i.e. root: the user is always explicit.
    if (s.backend === 'supervisord' && s.user === undefined && !s.allowRoot)
      ctx.addIssue({
        code: 'custom',
        path: ['user'],
        message: 'backend supervisord needs a user (it would run the program as root), or allowRoot: true',
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
