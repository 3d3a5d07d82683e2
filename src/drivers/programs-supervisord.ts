// The supervisord-programs runtime driver: a supervisord-backend Program's file goes through the
// executor (it is a file; the service driver syncs its group), and this driver does the rest of what
// runs: it observes supervisord's own process states (getAllProcessInfo, never supervisorctl's exit
// codes) and applies one change to the one program it names: a FATAL program is started again with
// backoff (supervisord gives up on FATAL for good), and a program whose group supervisord lacks gets
// `supervisorctl update <group>`. Every other group is left alone. See decisions 0038 and 0048.
import { isTendError } from '../errors/catalogue.js';
import { durationMs } from '../model/primitives.js';
import { backoffDelay } from '../supervisor/index.js';
import type { Program } from '../model/index.js';
import type { SupervisordClient } from './supervisord/client.js';
import { observeSupervisord, type InstanceInfo } from './supervisord/observe.js';
import { supervisordPhase, type SupervisordVerdict } from './supervisord/program-phase.js';
import { syncSupervisord } from './supervisord/sync.js';
import type { RuntimeApplyChange, RuntimeApplyResult, RuntimeDriver, RuntimeObservation } from './runtime.js';

/** Bytes of a failing program's log carried in status: enough for the error, bounded for the store. */
const LOG_TAIL_BYTES = 2_048;

/** What status needs of one supervisord Program, all observed from supervisord and this driver. */
export interface SupervisordFacts {
  verdict: SupervisordVerdict;
  instances: InstanceInfo[];
  /** Restarts this driver made after FATAL since the program was created. */
  restarts: number;
  lastRestartAt?: number;
  /** The end of its log while it is not running (or was just restarted). */
  logTail?: string;
}

export interface ObservedSupervisordProgram extends RuntimeObservation {
  key: `Program/${string}`;
  supervisord: SupervisordFacts;
}

interface RestartState {
  restarts: number;
  /** Restarts since it last ran: the backoff exponent. */
  streak: number;
  nextAt: number;
  lastAt?: number;
}

export interface SupervisordProgramsDriverOptions {
  client: SupervisordClient;
  events?: (e: { key: `Program/${string}`; message: string }) => void;
  now?: () => number;
  /** How long a group's stop may block when its group is replaced. */
  stopTimeoutMs?: number;
}

export class SupervisordProgramsDriver implements RuntimeDriver<Program> {
  readonly kind = 'Program' as const;
  private observed = new Map<string, ObservedSupervisordProgram>();
  private readonly restarts = new Map<string, RestartState>();
  /** Programs this driver restarted since the last refresh: their log tail goes into status. */
  private readonly restartedSince = new Set<string>();
  /** Why supervisord could not be asked at the last refresh; undefined when it answered. */
  private unreachable: string | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: SupervisordProgramsDriverOptions) {
    this.now = opts.now ?? Date.now;
  }

  static handles(p: Program): boolean {
    return p.spec.backend === 'supervisord';
  }

  /** True when the last refresh got supervisord's answer (nothing is applied on a guess). */
  get reachable(): boolean {
    return this.unreachable === undefined;
  }

  /** Asks supervisord once what runs and judges these Programs by it; forgets every other one. */
  async refresh(programs: readonly Program[]): Promise<void> {
    const names = new Set(programs.map((p) => p.metadata.name));
    for (const name of this.restarts.keys()) if (!names.has(name)) this.restarts.delete(name);
    if (programs.length === 0) {
      this.observed = new Map();
      return;
    }
    const byGroup = await this.read();
    this.unreachable = typeof byGroup === 'string' ? byGroup : undefined;
    const next = new Map<string, ObservedSupervisordProgram>();
    for (const p of programs) {
      const name = p.metadata.name;
      const instances = byGroup instanceof Map ? (byGroup.get(name) ?? []) : [];
      const verdict = supervisordPhase(p, instances, this.unreachable);
      const state = this.restarts.get(name);
      if (verdict.phase === 'Ready' && state) state.streak = 0;
      if (state?.lastAt !== undefined && verdict.phase !== 'Ready')
        verdict.message += `; tend restarted it ${state.restarts} time(s) after FATAL, last at ${new Date(state.lastAt).toISOString()}`;
      const facts: SupervisordFacts = { verdict, instances, restarts: state?.restarts ?? 0 };
      if (state?.lastAt !== undefined) facts.lastRestartAt = state.lastAt;
      if (verdict.phase === 'Degraded' || this.restartedSince.has(name)) {
        const tail = await this.logTail(instances[0]);
        if (tail) facts.logTail = tail;
      }
      next.set(name, {
        key: `Program/${name}`,
        phase: verdict.phase,
        message: verdict.message,
        instances: instances.map((i) => ({
          index: i.index,
          pid: i.pid,
          state: i.statename,
          ready: i.state === 'running',
          port: undefined,
          generation: '',
        })),
        supervisord: facts,
      });
    }
    this.restartedSince.clear();
    this.observed = next;
  }

  /** The Programs judged at the last refresh. */
  observe(): ObservedSupervisordProgram[] {
    return [...this.observed.values()];
  }

  observeOne(name: string): ObservedSupervisordProgram | undefined {
    return this.observed.get(name);
  }

  /** supervisord runs a group for it (whatever its state); false when unobserved or unreachable. */
  runs(name: string): boolean {
    return (this.observed.get(name)?.supervisord.instances.length ?? 0) > 0;
  }

  /** FATAL and its policy restarts it: what observation finds drifted (supervisord will not retry). */
  isFatal(p: Program): boolean {
    return this.fatalInstances(p).length > 0;
  }

  /** Its instances supervisord gave up on (FATAL), when its restart policy wants them running. */
  private fatalInstances(p: Program): InstanceInfo[] {
    if (p.spec.restart === 'never') return [];
    const seen = this.observed.get(p.metadata.name);
    return (seen?.supervisord.instances ?? []).filter((i) => i.state === 'failed');
  }

  /**
   * One change for one program. create: its group is added from its file (`supervisorctl update
   * <group>`, a no-op while the file is absent); update: a FATAL instance is started again once its
   * backoff passed; delete: nothing, the executor removed its file and the service driver its group.
   */
  async apply(change: RuntimeApplyChange<Program>): Promise<RuntimeApplyResult> {
    const { key } = change;
    const name = key.slice('Program/'.length);
    const p = change.resource;
    if (change.action === 'no-op' || change.action === 'delete' || !p || !this.reachable)
      return { key, did: 'none' };
    try {
      if (change.action === 'create' && !this.runs(name)) {
        const { actions } = await syncSupervisord(
          this.opts.client,
          { added: [name], changed: [], removed: [] },
          this.opts.stopTimeoutMs !== undefined ? { stopTimeoutMs: this.opts.stopTimeoutMs } : {},
        );
        return { key, did: actions[name] === 'in sync' ? 'none' : 'start' };
      }
      return { key, did: (await this.restartIfFatal(p)) ? 'restart' : 'none' };
    } catch (err) {
      // supervisord refused or went away: said on this change, retried at the next pass.
      return { key, did: 'none', error: { code: 'TEND_ERR_SUPERVISORD', message: (err as Error).message } };
    }
  }

  private async read(): Promise<Map<string, InstanceInfo[]> | string> {
    try {
      return await observeSupervisord(this.opts.client);
    } catch (err) {
      if (isTendError(err, 'TEND_ERR_SUPERVISORD')) return err.message;
      throw err;
    }
  }

  private async restartIfFatal(p: Program): Promise<boolean> {
    const name = p.metadata.name;
    const fatal = this.fatalInstances(p);
    if (fatal.length === 0) return false;
    const now = this.now();
    const state = this.restarts.get(name) ?? { restarts: 0, streak: 0, nextAt: 0 };
    this.restarts.set(name, state);
    if (now < state.nextAt) return false;
    const errors: string[] = [];
    for (const i of fatal)
      try {
        await this.opts.client.startProcess(i.namespec, false);
      } catch (err) {
        errors.push(`${i.namespec}: ${(err as Error).message}`);
      }
    const delay = backoffDelay(
      durationMs(p.spec.backoff.initial),
      durationMs(p.spec.backoff.max),
      state.streak + 1,
    );
    state.restarts += 1;
    state.streak += 1;
    state.lastAt = now;
    state.nextAt = now + delay;
    this.restartedSince.add(name);
    const key = `Program/${name}` as const;
    const why = fatal.map((i) => `${i.namespec}${i.spawnError ? ` (${i.spawnError})` : ''}`).join(', ');
    this.opts.events?.({
      key,
      message:
        `${key} was FATAL in supervisord: ${why}; tend restarted it (restart ${state.restarts}, next no sooner than ${Math.round(delay / 1000)} s)` +
        (errors.length > 0 ? `; start failed: ${errors.join('; ')}` : ''),
    });
    return true;
  }

  private async logTail(instance: InstanceInfo | undefined): Promise<string | undefined> {
    if (!instance) return undefined;
    try {
      const { bytes } = await this.opts.client.tailProcessStdoutLog(instance.namespec, 0, LOG_TAIL_BYTES);
      return bytes.length > 0 ? bytes : undefined;
    } catch {
      return undefined; // no log yet, or supervisord went away: the verdict already says so.
    }
  }
}
