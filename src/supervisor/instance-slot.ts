// Making one instance slot of a Program: its port (fixed + index, or a lease that survives restarts;
// a fixed one a foreign process holds is a conflict) and its Instance, with the slot's log pipe open
// and the context it reports through.
import type { PortLeases } from '../state/port-leases.js';
import type { Identity } from './identity.js';
import { Instance, type InstanceContext } from './instance.js';
import { LogPipe } from './log-pipe.js';
import { withinCeiling } from '../layout/log-ceiling.js';
import type { RunnerDeps } from './program-runner.js';
import { fifoPath, logPath } from './run-file.js';
import type { RuntimeSpec } from './runtime-spec.js';
import type { Program } from '../model/index.js';
import type { SupervisorEvent } from './types.js';

export const leaseKey = (program: string, index: number) => `Program/${program}#${index}`;

/** The slot's port: none, the spec's port + index, or the slot's lease (kept when `heldByUs`). */
export async function slotPort(
  leases: PortLeases,
  spec: RuntimeSpec,
  program: string,
  index: number,
  heldByUs?: number,
): Promise<number | undefined> {
  const p = spec.port;
  if (p === undefined) return undefined;
  if (p !== 'auto') return p + index;
  return leases.acquire(leaseKey(program, index), { heldByUs: (port) => port === heldByUs });
}

/**
 * A fixed `port` (not leased: a leased one was proved free) that a process tend does not manage
 * listens on, for the slots about to start: the instance would fail to bind and crash-loop.
 */
export async function fixedPortConflict(
  spec: RuntimeSpec,
  slots: readonly number[],
  portHolder: ((port: number) => Promise<string | undefined>) | undefined,
): Promise<{ code: string; message: string } | undefined> {
  const base = spec.port;
  if (typeof base !== 'number' || !portHolder) return undefined;
  for (const i of slots) {
    const holder = await portHolder(base + i);
    if (holder)
      return {
        code: 'TEND_ERR_PORT_IN_USE',
        message:
          `port ${base + i} (instance ${i}) is already in use by ${holder}, a process tend does not ` +
          `manage; the instance is not started, and that process keeps the port. Free the port ` +
          `(tend retries) or choose another port`,
      };
  }
  return undefined;
}

/** The runner an instance belongs to: its spec now, and where the instance reports. */
interface Owner {
  readonly name: string;
  spec: RuntimeSpec;
  resource: Program;
  emit(ev: Omit<SupervisorEvent, 'key' | 'at'>): void;
  readonly onInstanceChange: () => void;
}

export async function openInstance(
  deps: RunnerDeps,
  owner: Owner,
  slot: { index: number; identity: Identity; port: number | undefined; doneDir: string },
): Promise<Instance> {
  const { runDir, logDir } = deps.layout.programs;
  const { spec, name } = owner;
  await deps.host.fs.mkdirp(runDir, 0o700);
  await deps.host.fs.mkdirp(logDir, 0o750);
  const pipe = await LogPipe.open(
    deps.host,
    fifoPath(runDir, name, slot.index),
    logPath(logDir, name, slot.index),
    // The host's ceiling (--log-max-size/--log-keep) bounds what the spec asks.
    withinCeiling(
      { maxBytes: spec.logMaxBytes, keep: spec.logKeep, maxLineLength: spec.maxLineLength },
      deps.layout.logLimits,
    ),
  );
  const ctx: InstanceContext = {
    host: deps.host,
    runDir,
    doneDir: slot.doneDir,
    now: deps.now,
    emit: (e) => owner.emit(e),
    changed: owner.onInstanceChange,
    ...(deps.cgroups ? { cgroups: deps.cgroups } : {}),
  };
  return new Instance(ctx, slot.index, spec, owner.resource, slot.identity, slot.port, pipe);
}
