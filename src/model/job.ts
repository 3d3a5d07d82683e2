// Job: run-to-completion work (a schedule, a once-per-spec or once-per-revision hook, or on demand),
// with the same identity, command and env rules as a Program. See docs/decisions/0024-jobs.md.
import { z } from 'zod';
import { cronProblem, timeZoneProblem } from '../jobs/cron.js';
import { envelope } from './envelope.js';
import { absolutePath, argvElement, duration, env, signal, size, systemUser } from './primitives.js';

export const jobSpec = z
  .strictObject({
    command: z
      .array(argvElement())
      .min(1, { message: 'expected a command as an argv list, e.g. [php, artisan, schedule:run]' })
      .max(256),
    shell: z.boolean().default(false),
    directory: absolutePath().optional(),
    user: systemUser().optional(),
    group: systemUser().optional(),
    allowRoot: z.boolean().default(false),
    env: env(),
    /** Triggers: at most one of schedule and runOnce; neither means "only when asked". */
    schedule: z.string().max(200).optional(),
    timeZone: z.string().max(64).optional(),
    runOnce: z.enum(['spec', 'revision']).optional(),
    suspend: z.boolean().default(false),
    concurrency: z.enum(['forbid', 'replace', 'allow']).default('forbid'),
    timeout: duration('1s', '7d').optional(),
    retries: z.number().int().min(0).max(20).default(0),
    backoff: z
      .strictObject({
        initial: duration('100ms', '1h').default('10s'),
        max: duration('100ms', '24h').default('5m'),
      })
      .default({ initial: '10s', max: '5m' }),
    startingDeadline: duration('1s', '7d').optional(),
    history: z
      .strictObject({
        succeeded: z.number().int().min(0).max(1000).default(3),
        failed: z.number().int().min(0).max(1000).default(5),
      })
      .default({ succeeded: 3, failed: 5 }),
    stop: z
      .strictObject({ signal: signal().default('TERM'), timeout: duration('0s', '1h').default('10s') })
      .default({ signal: 'TERM', timeout: '10s' }),
    logs: z
      .strictObject({
        maxSize: size('1k', '10g').default('10m'),
        maxLineLength: z.number().int().min(80).max(1_048_576).default(16_384),
      })
      .default({ maxSize: '10m', maxLineLength: 16_384 }),
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
    if (s.schedule !== undefined && s.runOnce !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['runOnce'],
        message: 'expected exactly one trigger: schedule or runOnce, not both',
      });
    if (s.schedule !== undefined) {
      const problem = cronProblem(s.schedule);
      if (problem) ctx.addIssue({ code: 'custom', path: ['schedule'], message: problem });
    }
    if (s.timeZone !== undefined) {
      const problem = timeZoneProblem(s.timeZone);
      if (problem) ctx.addIssue({ code: 'custom', path: ['timeZone'], message: problem });
      else if (s.schedule === undefined)
        ctx.addIssue({ code: 'custom', path: ['timeZone'], message: 'timeZone needs a schedule' });
    }
    if (s.startingDeadline !== undefined && s.schedule === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['startingDeadline'],
        message: 'startingDeadline needs a schedule',
      });
  });

export const jobResource = envelope('Job', jobSpec);
export type JobSpec = z.infer<typeof jobSpec>;
export type Job = z.infer<typeof jobResource>;
