// <stateDir>/api.json: where a running `tend serve` answers and which token file it accepts, so
// that `tend status` and `tend reconcile` on the same root talk to it instead of racing it.
import type { Host } from '../host/host.js';

export const API_INFO_FILE = 'api.json';

export interface DaemonInfo {
  pid: number;
  /** http://127.0.0.1:7080 or unix:/path. */
  url: string;
  /** The token file the daemon accepts; readable only by its owner. */
  tokenFile: string;
  since: string;
}

export const apiInfoPath = (stateDir: string) => `${stateDir}/${API_INFO_FILE}`;

export async function writeDaemonInfo(host: Host, stateDir: string, info: DaemonInfo): Promise<void> {
  await host.fs.writeFileAtomic(apiInfoPath(stateDir), `${JSON.stringify(info, null, 2)}\n`, 0o644);
}

export async function readDaemonInfo(host: Host, stateDir: string): Promise<DaemonInfo | undefined> {
  const raw = await host.fs.readFile(apiInfoPath(stateDir));
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<DaemonInfo>;
    if (typeof v.url !== 'string' || typeof v.pid !== 'number' || typeof v.tokenFile !== 'string')
      return undefined;
    return { pid: v.pid, url: v.url, tokenFile: v.tokenFile, since: String(v.since ?? '') };
  } catch {
    return undefined;
  }
}

/**
 * Tells systemd (Type=notify, NotifyAccess=all) about readiness through systemd-notify, when tend
 * runs under it; a no-op elsewhere. `--pid` attributes the message to this process, not the helper.
 */
export async function notifySystemd(host: Host, state: 'ready' | 'stopping', status: string): Promise<void> {
  if (!process.env.NOTIFY_SOCKET) return;
  const bin = await host.which('systemd-notify');
  if (!bin) return;
  const flag = state === 'ready' ? '--ready' : '--stopping';
  const r = await host.exec(bin, [flag, `--pid=${process.pid}`, `--status=${status}`], { timeoutMs: 5_000 });
  // Older systemd-notify lacks --stopping: say it through the generic form.
  if (r.exitCode !== 0 && state === 'stopping')
    await host.exec(bin, [`--pid=${process.pid}`, 'STOPPING=1', `STATUS=${status}`], { timeoutMs: 5_000 });
}
