// Terminal: a token-protected web terminal endpoint, loopback-only unless an operator says otherwise.
import { z } from 'zod';
import { envelope } from './envelope.js';
import { absolutePath, duration, port, systemUser } from './primitives.js';

export const terminalSpec = z
  .strictObject({
    user: systemUser(),
    allowRoot: z.boolean().default(false),
    shell: absolutePath().default('/bin/bash'),
    directory: absolutePath().optional(),
    port: z.union([z.literal('auto'), port()]).default('auto'),
    bind: z.enum(['127.0.0.1', '::1']).default('127.0.0.1'),
    mode: z.enum(['read-write', 'read-only']).default('read-only'),
    idleTimeout: duration('10s', '24h').default('15m'),
    maxSessionDuration: duration('1m', '7d').default('8h'),
    maxSessions: z.number().int().min(1).max(50).default(2),
    expiresAt: z.iso
      .datetime({ offset: true, message: 'expected an ISO 8601 date-time such as 2026-12-31T18:00:00Z' })
      .optional(),
    backend: z.enum(['builtin', 'ttyd']).default('builtin'),
  })
  .superRefine((s, ctx) => {
    if (s.user === 'root' && !s.allowRoot)
      ctx.addIssue({ code: 'custom', path: ['user'], message: 'a root terminal needs allowRoot: true' });
  });

export const terminalResource = envelope('Terminal', terminalSpec);
export type TerminalSpec = z.infer<typeof terminalSpec>;
export type Terminal = z.infer<typeof terminalResource>;
