// Job: run-to-completion work (a schedule, a once-per-spec or once-per-revision hook, or on demand),
// with the same identity, command and env rules as a Program. See docs/decisions/0024-jobs.md.
import { z } from 'zod';
import { cronProblem, timeZoneProblem } from '../jobs/cron.js';
import { envelope } from './envelope.js';
import { duration, signal, size } from './primitives.js';
import { checkProcessFields, limits, processFields } from './process-fields.js';

export const jobSpec = z
  .strictObject({
    ...processFields('php, artisan, schedule:run'),
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
    limits: limits.optional(),
    /** token: a per-Job token file the Job's user can read, which starts this Job and no other. */
    trigger: z.strictObject({ token: z.boolean().default(false) }).optional(),
  })
  .superRefine((s, ctx) => {
    checkProcessFields(s, ctx);
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
