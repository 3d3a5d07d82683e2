// Before a pool file is written: every address a changed pool listens on (its socket, its TCP port,
// its status listener) must be free or already tend's. php-fpm unlinks whatever sits at a socket
// path and binds its own, so a socket another process listens on would be taken over silently: the
// foreign server loses its clients and nginx would be pointed at tend's pool. Such a pool is held
// back alone, naming the holder; the process that owned the address keeps it (decision 0042).
import type { Host } from '../../host/index.js';
import type { PreflightChange, PreflightRefusal } from '../service.js';
import { describeTarget, type ListenTarget } from '../health/observe.js';
import {
  describeHolder,
  holdersOf,
  socketInodesOf,
  tcpListenInodes,
  unixListenInodes,
  type SocketHolder,
} from '../health/socket-holders.js';
import { parsePoolFile } from './pool-files.js';

const WORKER = /^php-fpm: pool /;
const MASTER = /^php-fpm: master process/;

/**
 * Ours: the live master or one of its workers, or a worker a dead master left behind (heal stops
 * those before the next start, see health/orphans.ts). Anything else is a foreign owner.
 */
function isOurs(h: SocketHolder, masterPid: number | undefined): boolean {
  if (masterPid !== undefined && (h.pid === masterPid || h.ppid === masterPid)) return true;
  return WORKER.test(h.command) && !MASTER.test(h.parentCommand);
}

/** Why the target cannot be given to php-fpm (undefined: free, or already tend's). */
async function foreignOwner(
  host: Host,
  target: ListenTarget,
  masterPid: number | undefined,
  masterInodes: () => Promise<Set<string>>,
): Promise<string | undefined> {
  const unix = 'socketPath' in target;
  const inodes = unix
    ? await unixListenInodes(host, target.socketPath)
    : await tcpListenInodes(host, target.port);
  if (inodes.size === 0) {
    // A socket file nobody listens on is stale: php-fpm may replace it. A port can still be bound
    // where /proc/net does not show it (another network namespace): the bind test decides.
    if (unix || (await host.portIsFree(target.port, target.host))) return undefined;
    return 'another process (its owner could not be read)';
  }
  // The usual case, an update of a live pool: the master holds it, and no /proc-wide scan is needed.
  const mine = await masterInodes();
  if ([...inodes].some((i) => mine.has(i))) return undefined;
  const holders = await holdersOf(host, inodes);
  if (holders.some((h) => isOurs(h, masterPid))) return undefined;
  return holders[0] ? describeHolder(holders[0]) : 'another process (its owner could not be read)';
}

/** Refused pool changes with the reason; `address` names what nginx must not be pointed at. */
export async function refuseForeignPoolListens(
  host: Host,
  changes: readonly PreflightChange[],
  opts: { masterPid?: number },
): Promise<Map<string, PreflightRefusal>> {
  const refused = new Map<string, PreflightRefusal>();
  const verdicts = new Map<string, string | undefined>();
  let master: Promise<Set<string>> | undefined;
  const masterInodes = () =>
    (master ??= opts.masterPid ? socketInodesOf(host, opts.masterPid) : Promise.resolve(new Set<string>()));
  for (const change of changes) {
    for (const file of change.files) {
      const pool = parsePoolFile(file.path, file.content);
      for (const target of [...pool.listens, ...pool.statusListens]) {
        if (refused.has(change.key)) break;
        const address = describeTarget(target);
        if (!verdicts.has(address))
          verdicts.set(address, await foreignOwner(host, target, opts.masterPid, masterInodes));
        const owner = verdicts.get(address);
        if (!owner) continue;
        const unix = 'socketPath' in target;
        const what = unix ? `unix socket ${target.socketPath}` : `port ${target.port} on ${target.host}`;
        refused.set(change.key, {
          code: unix ? 'TEND_ERR_SOCKET_IN_USE' : 'TEND_ERR_PORT_IN_USE',
          address,
          message:
            `${file.path}: ${what} is already listened on by ${owner}, a process tend does not manage; ` +
            `php-fpm would take it over, so ${change.key} is held back, nginx is not pointed at it and ` +
            `that process keeps it. Stop that process (tend retries) or choose another listen`,
        });
      }
    }
  }
  return refused;
}
