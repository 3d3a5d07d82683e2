// A Terminal's status from its driver's observation alone (drivers/terminals-builtin.ts observeOne):
// Healthy and Ready once its server listens, a fixed port a foreign process holds (PortConflict), an
// expired server not Ready, and its URL and port as outputs (never its token). Pure.
import type { ObservedTerminal } from '../drivers/terminals-builtin.js';
import type { HealthVerdict } from '../observe/assess.js';
import { setCondition, type ResourceStatus } from '../state/conditions.js';
import { portConflictApplied } from './port-conflict.js';

/** Listening or why not; a Terminal not observed (never applied here) is not started, never Ready. */
export function terminalVerdict(seen: ObservedTerminal | undefined): HealthVerdict {
  const last = seen?.terminal.lastApply;
  if (!seen || !last) return { ok: false, message: 'not started yet', details: {} };
  if (!last.ok)
    return {
      ok: false,
      message: last.error.message,
      details: { code: last.error.code },
      ...(last.error.code === 'TEND_ERR_PORT_IN_USE' ? { reason: 'PortConflict' } : {}),
    };
  const { sessions, expired, url } = seen.terminal;
  if (expired)
    return {
      ok: false,
      message: `${last.url}: expired (maxDuration reached)`,
      details: { url: last.url },
    };
  return {
    ok: url !== undefined,
    message: `listening at ${last.url}, ${sessions} session(s)`,
    details: { url: last.url, port: last.port, sessions },
  };
}

export function terminalStatus(
  current: ResourceStatus,
  seen: ObservedTerminal | undefined,
  now: number,
): ResourceStatus {
  const verdict = terminalVerdict(seen);
  // A fixed port another process holds: not applied (phase Failed) until the port is free (0042).
  const conflict = verdict.reason === 'PortConflict';
  current = portConflictApplied(current, conflict, verdict.message, 'the terminal listens on its port', now);
  const notListening = conflict ? 'PortConflict' : 'NotListening';
  const applied = current.conditions.find((c) => c.type === 'Applied')?.status !== 'False';
  let next = setCondition(
    current,
    {
      type: 'Healthy',
      status: verdict.ok ? 'True' : 'False',
      reason: verdict.ok ? 'Listening' : notListening,
      message: verdict.message,
    },
    now,
  );
  next = setCondition(
    next,
    {
      type: 'Ready',
      status: applied && verdict.ok ? 'True' : 'False',
      reason: verdict.ok ? 'Ready' : notListening,
      message: verdict.message,
    },
    now,
  );
  const { url, port } = verdict.details as { url?: string; port?: number };
  const outputs = { ...current.outputs, ...(url ? { url } : {}), ...(port ? { port } : {}) };
  return { ...next, health: verdict.details, outputs };
}
