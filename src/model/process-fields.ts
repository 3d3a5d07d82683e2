// The fields every process tend starts shares, Program or Job: identity (user, group, allowRoot),
// the command (argv or one shell string), directory, env, and resource limits; with the rules that
// go with them. One place, so a rule added for Programs holds for Jobs too.
import { z } from 'zod';
import { absolutePath, argvElement, env, size, systemUser } from './primitives.js';
import { privilegedGroup } from './privilege.js';

/** Resource limits: memory, cpu and processes through cgroups, openFiles and coreDump as rlimits. */
export const limits = z.strictObject({
  /** Memory of the whole process tree; past it the kernel's OOM killer ends a member. */
  memory: size('4m', '1024g').optional(),
  /** CPU time in cores: 0.5 is half of one core, 2 is two cores. */
  cpu: z
    .number({ message: 'expected a number of cores such as 0.5 or 2' })
    .min(0.01, { message: 'expected at least 0.01 cores' })
    .max(1024, { message: 'expected at most 1024 cores' })
    .optional(),
  /** Processes and threads in the tree (fork bombs stop here). */
  processes: z.number().int().min(1).max(4_194_304).optional(),
  /** RLIMIT_NOFILE, soft and hard. */
  openFiles: z.number().int().min(16).max(1_048_576).optional(),
  /** RLIMIT_CORE: 0 turns core dumps off. */
  coreDump: z.union([z.literal(0), size('0', '64g')]).optional(),
});
export type LimitsSpec = z.infer<typeof limits>;

/** The identity, command and env fields, in the order both kinds have always had them. */
export function processFields(example: string) {
  return {
    command: z
      .array(argvElement())
      .min(1, { message: `expected a command as an argv list, e.g. [${example}]` })
      .max(256),
    shell: z.boolean().default(false),
    directory: absolutePath().optional(),
    user: systemUser().optional(),
    group: systemUser().optional(),
    allowRoot: z.boolean().default(false),
    env: env(),
  };
}

/** The parsed values of processFields(). */
export type ProcessSpecFields = z.infer<z.ZodObject<ReturnType<typeof processFields>>>;

interface ProcessFieldValues {
  command: string[];
  shell: boolean;
  user?: string | undefined;
  group?: string | undefined;
  allowRoot: boolean;
}

/** The rules on those fields: one shell string, root and privileged groups only with allowRoot. */
export function checkProcessFields(s: ProcessFieldValues, ctx: z.RefinementCtx): void {
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
}
