// The daemon's supervisord-backend Programs: their files go through the executor; every pass the
// runtime driver (drivers/programs-supervisord.ts) asks supervisord what really runs, and is handed
// one change per program that must change (runtime-changes.ts): the applied plan's steps, a FATAL
// program (supervisord gives up on it for good) and a group supervisord lacks. Status is read from
// the driver's observation (supervisord-program-status.ts). See decisions 0038 and 0048.
import type { Layout } from '../layout/layout.js';
import { resourceKey, type Program, type Resource, type ResourceKey } from '../model/index.js';
import type { Change } from '../plan/types.js';
import { SupervisordClient } from '../drivers/supervisord/client.js';
import { SupervisordProgramsDriver } from '../drivers/programs-supervisord.js';
import type { ResourceStatus } from '../state/conditions.js';
import type { EventLog } from '../state/events.js';
import type { HealthVerdict } from '../observe/assess.js';
import { runtimeChanges } from './runtime-changes.js';
import { supervisordDetails, supervisordProgramStatus } from './supervisord-program-status.js';

export interface SupervisordProgramsOptions {
  layout: Layout;
  events: EventLog;
  /** Default: a client on the layout's supervisord socket. */
  client?: SupervisordClient;
  now?: () => number;
}

export const isSupervisordProgram = (r: Resource): r is Program =>
  r.kind === 'Program' && r.spec.backend === 'supervisord';

export class SupervisordProgramsBridge {
  readonly client: SupervisordClient;
  /** The runtime driver every observation and restart goes through. */
  readonly driver: SupervisordProgramsDriver;
  private readonly now: () => number;

  constructor(opts: SupervisordProgramsOptions) {
    this.now = opts.now ?? Date.now;
    this.client =
      opts.client ?? new SupervisordClient({ socket: opts.layout.supervisord.socket, timeoutMs: 10_000 });
    this.driver = new SupervisordProgramsDriver({
      client: this.client,
      ...(opts.now ? { now: opts.now } : {}),
      events: ({ key, message }) =>
        opts.events.record({ key, type: 'Warning', reason: 'FatalRestarted', message }),
    });
  }

  /**
   * Observes these Programs (the supervisord-backend ones of a pass) and hands the driver the
   * changes: the applied plan's steps (`planned`) plus the drift observation finds (FATAL, or no
   * group). Returns the keys worth observing again shortly (restarted or added, starting, backoff).
   */
  async observe(resources: readonly Resource[], planned: readonly Change[] = []): Promise<ResourceKey[]> {
    const programs = resources.filter(isSupervisordProgram);
    await this.driver.refresh(programs);
    if (programs.length === 0) return [];
    const acted: string[] = [];
    // Nothing is acted on while supervisord does not answer: status says Unknown instead.
    if (this.driver.reachable) {
      const desired = new Map(programs.map((p) => [p.metadata.name, p]));
      // Only desired names count as present: a group tend does not declare is not this driver's to stop.
      const present = new Set(programs.map((p) => p.metadata.name).filter((n) => this.driver.runs(n)));
      const drifted = new Set(programs.filter((p) => this.driver.isFatal(p)).map((p) => p.metadata.name));
      for (const change of runtimeChanges({ kind: 'Program', desired, present, drifted, planned })) {
        const result = await this.driver.apply(change);
        if (result.did !== 'none') acted.push(change.key.slice('Program/'.length));
      }
      if (acted.length > 0) await this.driver.refresh(programs);
    }
    return this.driver
      .observe()
      .filter(
        (o) =>
          acted.includes(o.key.slice('Program/'.length)) ||
          o.phase === 'Progressing' ||
          o.supervisord.verdict.reason === 'Backoff',
      )
      .map((o) => resourceKey('Program', o.key.slice('Program/'.length)));
  }

  health(resource: Resource): HealthVerdict | undefined {
    if (!isSupervisordProgram(resource)) return undefined;
    const seen = this.driver.observeOne(resource.metadata.name);
    if (!seen) return undefined;
    return {
      ok: seen.phase === 'Ready' || seen.phase === 'Completed',
      message: seen.message,
      details: supervisordDetails(seen),
    };
  }

  /** The whole status of a supervisord Program from the driver's observation (undefined: not observed). */
  statusFor(resource: Resource, current: ResourceStatus): ResourceStatus | undefined {
    if (!isSupervisordProgram(resource)) return undefined;
    const seen = this.driver.observeOne(resource.metadata.name);
    return seen ? supervisordProgramStatus(current, seen, this.now()) : undefined;
  }
}
