// The daemon's supervisord-backend Programs: every pass asks supervisord (getAllProcessInfo) what
// really runs, folds that into status (phase, pids, log tail), and restarts a FATAL program with
// backoff, because supervisord itself gives up on it for good. See decision 0038.
import { isTendError } from '../errors/catalogue.js';
import type { Layout } from '../layout/layout.js';
import { durationMs } from '../model/primitives.js';
import { resourceKey, type Program, type Resource, type ResourceKey } from '../model/index.js';
import { SupervisordClient } from '../drivers/supervisord/client.js';
import { observeSupervisord, type InstanceInfo } from '../drivers/supervisord/observe.js';
import { supervisordPhase, type SupervisordVerdict } from '../drivers/supervisord/program-phase.js';
import { setCondition, SUPERVISORD_UNREACHABLE, type ResourceStatus } from '../state/conditions.js';
import type { EventLog } from '../state/events.js';
import type { HealthVerdict } from '../observe/assess.js';

/** Bytes of a failing program's log carried in status: enough for the error, bounded for the store. */
const LOG_TAIL_BYTES = 2_048;

export interface SupervisordProgramsOptions {
  layout: Layout;
  events: EventLog;
  /** Default: a client on the layout's supervisord socket. */
  client?: SupervisordClient;
  now?: () => number;
}

interface RestartState {
  /** Restarts tend made since the program was created (shown in status). */
  restarts: number;
  /** Restarts since it last ran: the backoff exponent. */
  streak: number;
  nextAt: number;
  lastAt?: number;
}

interface Observed {
  verdict: SupervisordVerdict;
  instances: InstanceInfo[];
  logTail?: string;
}

export const isSupervisordProgram = (r: Resource): r is Program =>
  r.kind === 'Program' && r.spec.backend === 'supervisord';

export class SupervisordProgramsBridge {
  readonly client: SupervisordClient;
  private observed = new Map<string, Observed>();
  private readonly restarts = new Map<string, RestartState>();
  private readonly now: () => number;

  constructor(private readonly opts: SupervisordProgramsOptions) {
    this.client =
      opts.client ?? new SupervisordClient({ socket: opts.layout.supervisord.socket, timeoutMs: 10_000 });
    this.now = opts.now ?? Date.now;
  }

  /**
   * Observes these Programs (the supervisord-backend ones of a pass) and restarts the FATAL ones
   * whose backoff has passed. Returns the keys worth observing again shortly (restarted, starting).
   */
  async observe(resources: readonly Resource[]): Promise<ResourceKey[]> {
    const programs = resources.filter(isSupervisordProgram);
    const names = new Set(programs.map((p) => p.metadata.name));
    for (const name of this.restarts.keys()) if (!names.has(name)) this.restarts.delete(name);
    if (programs.length === 0) {
      this.observed = new Map();
      return [];
    }
    let byGroup = await this.read();
    const restarted: string[] = [];
    if (byGroup instanceof Map)
      for (const p of programs)
        if (await this.restartIfFatal(p, byGroup.get(p.metadata.name) ?? [])) restarted.push(p.metadata.name);
    if (restarted.length > 0) byGroup = await this.read();
    const next = new Map<string, Observed>();
    const recheck: ResourceKey[] = [];
    for (const p of programs) {
      const name = p.metadata.name;
      const instances = byGroup instanceof Map ? (byGroup.get(name) ?? []) : [];
      const verdict = supervisordPhase(p, instances, byGroup instanceof Map ? undefined : byGroup);
      const state = this.restarts.get(name);
      if (verdict.phase === 'Ready' && state) state.streak = 0;
      if (state?.lastAt !== undefined && verdict.phase !== 'Ready')
        verdict.message += `; tend restarted it ${state.restarts} time(s) after FATAL, last at ${new Date(state.lastAt).toISOString()}`;
      const entry: Observed = { verdict, instances };
      if (verdict.phase === 'Degraded' || restarted.includes(name)) {
        const tail = await this.logTail(instances[0]);
        if (tail) entry.logTail = tail;
      }
      next.set(name, entry);
      if (restarted.includes(name) || verdict.phase === 'Progressing' || verdict.reason === 'Backoff')
        recheck.push(resourceKey('Program', name));
    }
    this.observed = next;
    return recheck;
  }

  /** supervisord's groups, or why it could not be asked. */
  private async read(): Promise<Map<string, InstanceInfo[]> | string> {
    try {
      return await observeSupervisord(this.client);
    } catch (err) {
      if (isTendError(err, 'TEND_ERR_SUPERVISORD')) return err.message;
      throw err;
    }
  }

  private async restartIfFatal(p: Program, instances: readonly InstanceInfo[]): Promise<boolean> {
    const fatal = instances.filter((i) => i.state === 'failed');
    if (fatal.length === 0 || p.spec.restart === 'never') return false;
    const name = p.metadata.name;
    const key = resourceKey('Program', name);
    const now = this.now();
    const state = this.restarts.get(name) ?? { restarts: 0, streak: 0, nextAt: 0 };
    this.restarts.set(name, state);
    if (now < state.nextAt) return false;
    const errors: string[] = [];
    for (const i of fatal)
      try {
        await this.client.startProcess(i.namespec, false);
      } catch (err) {
        errors.push(`${i.namespec}: ${(err as Error).message}`);
      }
    const delay = Math.min(
      durationMs(p.spec.backoff.max),
      durationMs(p.spec.backoff.initial) * 2 ** Math.min(state.streak, 20),
    );
    state.restarts += 1;
    state.streak += 1;
    state.lastAt = now;
    state.nextAt = now + delay;
    const why = fatal.map((i) => `${i.namespec}${i.spawnError ? ` (${i.spawnError})` : ''}`).join(', ');
    this.opts.events.record({
      key,
      type: 'Warning',
      reason: 'FatalRestarted',
      message:
        `${key} was FATAL in supervisord: ${why}; tend restarted it (restart ${state.restarts}, next no sooner than ${Math.round(delay / 1000)} s)` +
        (errors.length > 0 ? `; start failed: ${errors.join('; ')}` : ''),
    });
    return true;
  }

  private async logTail(instance: InstanceInfo | undefined): Promise<string | undefined> {
    if (!instance) return undefined;
    try {
      const { bytes } = await this.client.tailProcessStdoutLog(instance.namespec, 0, LOG_TAIL_BYTES);
      return bytes.length > 0 ? bytes : undefined;
    } catch {
      return undefined; // no log yet, or supervisord went away: the verdict already says so.
    }
  }

  health(resource: Resource): HealthVerdict | undefined {
    if (!isSupervisordProgram(resource)) return undefined;
    const o = this.observed.get(resource.metadata.name);
    if (!o) return undefined;
    const { phase, message } = o.verdict;
    return {
      ok: phase === 'Ready' || phase === 'Completed',
      message,
      details: this.details(resource.metadata.name, o),
    };
  }

  /** The whole status of a supervisord Program from this pass's observation (undefined: not observed). */
  statusFor(resource: Resource, current: ResourceStatus): ResourceStatus | undefined {
    if (!isSupervisordProgram(resource)) return undefined;
    const o = this.observed.get(resource.metadata.name);
    if (!o) return undefined;
    return supervisordProgramStatus(
      current,
      o.verdict,
      this.details(resource.metadata.name, o),
      o.instances,
      this.now(),
    );
  }

  private details(name: string, o: Observed): Record<string, unknown> {
    const state = this.restarts.get(name);
    return {
      backend: 'supervisord',
      restarts: state?.restarts ?? 0,
      instances: o.instances.map((i) => ({
        index: i.index,
        pid: i.pid,
        state: i.state,
        statename: i.statename,
        ...(i.exitStatus !== undefined ? { exitStatus: i.exitStatus } : {}),
        ...(i.spawnError ? { spawnError: i.spawnError } : {}),
        ...(i.uptimeSeconds !== undefined ? { uptimeSeconds: i.uptimeSeconds } : {}),
      })),
      ...(o.logTail ? { logTail: o.logTail } : {}),
    };
  }
}

/** Healthy, Ready and Reconciling from supervisord's answer; pids as outputs, none when unknown. */
export function supervisordProgramStatus(
  current: ResourceStatus,
  verdict: SupervisordVerdict,
  health: Record<string, unknown>,
  instances: readonly InstanceInfo[],
  now: number,
): ResourceStatus {
  const { phase, reason, message } = verdict;
  const applied = current.conditions.find((c) => c.type === 'Applied')?.status !== 'False';
  const unknown = phase === 'Unknown';
  let next = setCondition(
    current,
    {
      type: 'Healthy',
      status: unknown ? 'Unknown' : phase === 'Ready' || phase === 'Completed' ? 'True' : 'False',
      reason,
      message,
    },
    now,
  );
  next = setCondition(
    next,
    { type: 'Reconciling', status: phase === 'Progressing' ? 'True' : 'False', reason, message },
    now,
  );
  next = setCondition(
    next,
    {
      type: 'Ready',
      status: unknown ? 'Unknown' : applied && phase === 'Ready' ? 'True' : 'False',
      reason:
        unknown && reason === 'SupervisordUnreachable'
          ? SUPERVISORD_UNREACHABLE
          : phase === 'Completed'
            ? 'Completed'
            : reason,
      message,
    },
    now,
  );
  const pids = unknown ? [] : instances.map((i) => i.pid).filter((p): p is number => p !== undefined);
  const outputs: Record<string, string | number> = {
    ...current.outputs,
    instances: instances.length,
    pids: pids.join(','),
  };
  return { ...next, health, outputs };
}
