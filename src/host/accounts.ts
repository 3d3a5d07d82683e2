// The host's local user database (/etc/passwd, /etc/group) as plain maps, for validation-time
// identity rules. NSS-only users are not listed here; the runtime check (getent) still sees them.
import { createHash } from 'node:crypto';
import type { Host } from './host.js';
import { readAllFiles } from './read-all.js';

export interface Accounts {
  users: Map<string, { uid: number; gid: number }>;
  groups: Map<string, { gid: number; members: string[] }>;
  stamp: string;
}

export function parseAccounts(passwd: string, group: string): Accounts {
  const users = new Map<string, { uid: number; gid: number }>();
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || line.startsWith('#') || users.has(f[0]!)) continue;
    const [uid, gid] = [Number(f[2]), Number(f[3])];
    if (Number.isInteger(uid) && Number.isInteger(gid)) users.set(f[0]!, { uid, gid });
  }
  const groups = new Map<string, { gid: number; members: string[] }>();
  for (const line of group.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#') || groups.has(f[0]!)) continue;
    const gid = Number(f[2]);
    if (Number.isInteger(gid)) groups.set(f[0]!, { gid, members: f[3]!.split(',').filter(Boolean) });
  }
  const stamp = createHash('sha256').update(passwd).update('\0').update(group).digest('hex').slice(0, 16);
  return { users, groups, stamp };
}

/**
 * Reads both files every call, so a user added a moment ago is seen at once: through the host's
 * read memo when it has one (a daemon: a stat each while the files are unchanged, never stale, see
 * file-identity.ts), else two reads.
 */
export async function readAccounts(host: Host): Promise<Accounts> {
  const [passwd, group] = await readAllFiles(host.fs, ['/etc/passwd', '/etc/group']);
  return parseAccounts(passwd ?? '', group ?? '');
}
