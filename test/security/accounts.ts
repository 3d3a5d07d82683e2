// Throw-away users and groups for the privilege attacks: a tenant with one extra ordinary group, a
// user that belongs to a privileged group, a uid-0 alias (useradd -o -u 0) and a gid-0 alias
// group. Names carry the pid so parallel runs do not collide; all are removed after the test.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const isRoot = process.getuid?.() === 0;

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
}

export interface TestAccounts {
  /** An ordinary tenant: own primary group plus `extraGroup`. */
  tenant: string;
  extraGroup: string;
  /** A user whose only privilege is membership in adm (reads the system logs). */
  admMember: string;
  /** uid 0 under another name. */
  toor: string;
  /** gid 0 under another name. */
  rootGroupAlias: string;
  uid(user: string): number;
  /** The gids a user's login would get (id -G), sorted. */
  gids(user: string): number[];
  gid(group: string): number;
}

interface AfterHook {
  after: (fn: () => void | Promise<void>) => void;
}

/** Creates the accounts now and removes them (userdel, groupdel) after the test or suite. */
export function makeAccounts(t: AfterHook): TestAccounts {
  const tag = `${process.pid % 100000}`;
  const a = {
    tenant: `tsect${tag}`,
    extraGroup: `tsecg${tag}`,
    admMember: `tseca${tag}`,
    toor: `tsecr${tag}`,
    rootGroupAlias: `tsecz${tag}`,
  };
  const users: string[] = [];
  const groups: string[] = [];
  t.after(() => {
    // -f: uid 0 and gid 0 are in use by every root process; by name, only the alias line goes.
    for (const u of users) spawnSync('userdel', ['-f', u]);
    for (const g of groups) spawnSync('groupdel', ['-f', g]);
  });
  run('groupadd', [a.extraGroup]);
  groups.push(a.extraGroup);
  run('groupadd', ['-o', '-g', '0', a.rootGroupAlias]);
  groups.push(a.rootGroupAlias);
  run('useradd', ['-M', '-d', '/nonexistent', '-s', '/bin/sh', '-U', '-G', a.extraGroup, a.tenant]);
  users.push(a.tenant);
  run('useradd', ['-M', '-d', '/nonexistent', '-s', '/bin/sh', '-U', '-G', 'adm', a.admMember]);
  users.push(a.admMember);
  // -N: no own group (its primary group is root's); a home that does not exist, so nothing to remove.
  run('useradd', ['-o', '-u', '0', '-g', '0', '-N', '-M', '-d', '/nonexistent', '-s', '/bin/sh', a.toor]);
  users.push(a.toor);
  const field = (file: string, name: string, i: number) => {
    const line = readFileSync(file, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name}:`));
    if (!line) throw new Error(`${name} not in ${file}`);
    return Number(line.split(':')[i]);
  };
  return {
    ...a,
    uid: (user) => field('/etc/passwd', user, 2),
    gid: (group) => field('/etc/group', group, 2),
    gids(user) {
      const r = spawnSync('id', ['-G', user], { encoding: 'utf8' });
      return r.stdout
        .trim()
        .split(/\s+/)
        .map(Number)
        .sort((x, y) => x - y);
    },
  };
}
