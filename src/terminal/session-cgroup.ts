// A terminal session's cgroup: one per session where the host has cgroups for tend (so nothing the
// shell forks escapes the end of its session), and the reaping of sessions a crashed tend left behind.
import type { Cgroup, Cgroups } from '../host/cgroup.js';
import type { TerminalLogger } from './session.js';

export class SessionCgroups {
  private warnedNoCgroups = false;

  constructor(
    private readonly cgroups: () => Cgroups,
    private readonly terminal: string,
    private readonly logger: TerminalLogger | undefined,
  ) {}

  /** Sessions a crashed tend left in their cgroups (processes that outlived their pty) end now. */
  async reapAbandoned(): Promise<void> {
    const reaped = await this.cgroups()
      .reapAbandoned('terminal')
      .catch(() => []);
    if (reaped.length > 0)
      this.logger?.warn(
        { terminal: this.terminal, groups: reaped },
        'ended sessions a previous tend left running',
      );
  }

  /** A cgroup for one session, or undefined (logged once) where the host has none for tend. */
  create(id: string): Cgroup | undefined {
    const cgroups = this.cgroups();
    if (!cgroups.available) {
      if (!this.warnedNoCgroups)
        this.logger?.warn(
          { terminal: this.terminal, reason: cgroups.reason },
          'no cgroups for terminal sessions: ending them by session sweep, which a setsid double fork can escape',
        );
      this.warnedNoCgroups = true;
      return undefined;
    }
    try {
      return cgroups.create('terminal', `${process.pid}.${this.terminal}.${id}`);
    } catch (err) {
      this.logger?.warn(
        { terminal: this.terminal, err: (err as Error).message },
        'could not create a cgroup for a terminal session: ending it by session sweep',
      );
      return undefined;
    }
  }
}
