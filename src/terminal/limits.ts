// When a session must end: the idle timeout (from the last input, never output), the maximum session
// duration, and the Terminal's expiry. Pure, so the server's ticker only has to ask.
import { durationMs } from '../model/primitives.js';
import type { TerminalSpec } from '../model/terminal.js';
import type { EndReason } from './session.js';

export interface Limits {
  idleMs: number;
  maxMs: number;
  /** Epoch ms; Infinity when the Terminal never expires. */
  expiresAt: number;
}

export function limitsOf(spec: TerminalSpec): Limits {
  return {
    idleMs: durationMs(spec.idleTimeout),
    maxMs: durationMs(spec.maxSessionDuration),
    expiresAt: spec.expiresAt === undefined ? Infinity : Date.parse(spec.expiresAt),
  };
}

export const isExpired = (limits: Limits, now: number) => now >= limits.expiresAt;

/**
 * How often to look: a tenth of the shortest limit, between 50 ms and 1 s, so a session outlives its
 * limit by at most that much and a daemon with long limits does not wake needlessly.
 */
export function tickMs(limits: Limits): number {
  return Math.min(1000, Math.max(50, Math.min(limits.idleMs, limits.maxMs) / 10));
}

export interface SessionTimes {
  startedAt: number;
  lastInputAt: number;
}

/** Why this session must end now, or undefined while it may go on. Expiry wins, then idle, then age. */
export function endReason(limits: Limits, session: SessionTimes, now: number): EndReason | undefined {
  if (isExpired(limits, now)) return 'expired';
  if (now - session.lastInputAt >= limits.idleMs) return 'idle';
  if (now - session.startedAt >= limits.maxMs) return 'max-duration';
  return undefined;
}
