// What every service driver is given, and how the host manages services: through systemd when it
// is PID 1 (system profile in production), through pid files and signals everywhere else.
import type { Host } from '../../host/index.js';
import type { Layout } from '../../layout/index.js';

export type ServiceManager = 'systemd' | 'signals';

export interface ServiceContext {
  host: Host;
  layout: Layout;
  /** 'auto' (default): systemd when the profile is system and PID 1 is systemd; tests force 'signals'. */
  manager?: ServiceManager | 'auto';
  /** The nginx binary (default /usr/sbin/nginx); php-fpm's comes from layout.php.binary(v). */
  nginxBinary?: string;
  /** nginx worker user when tend runs as root (default www-data, Debian's web user). */
  webUser?: string;
  timeouts?: { startMs?: number; reloadMs?: number; stopMs?: number };
}

export interface Timeouts {
  startMs: number;
  reloadMs: number;
  stopMs: number;
}

export function timeoutsOf(ctx: ServiceContext): Timeouts {
  return {
    startMs: ctx.timeouts?.startMs ?? 15_000,
    reloadMs: ctx.timeouts?.reloadMs ?? 15_000,
    stopMs: ctx.timeouts?.stopMs ?? 10_000,
  };
}

/** Embedded masters are always tend's own; the system profile defers to systemd when it runs. */
export async function resolveManager(ctx: ServiceContext): Promise<ServiceManager> {
  const wanted = ctx.manager ?? 'auto';
  if (wanted !== 'auto') return wanted;
  if (ctx.layout.profile === 'embedded') return 'signals';
  const comm = await ctx.host.fs.readFile('/proc/1/comm').catch(() => undefined);
  return comm?.trim() === 'systemd' ? 'systemd' : 'signals';
}

/** Paths end up inside config files; anything outside this set could break out of a directive. */
const SAFE_PATH = /^\/[A-Za-z0-9._/@+,=:-]*$/;

export function isSafePath(path: string): boolean {
  return SAFE_PATH.test(path) && !path.split('/').includes('..');
}
