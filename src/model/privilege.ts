// Which identities count as root: uid 0 under any name, gid 0, and the groups whose members can read
// or change the whole system. Pure: the host's user database comes in as AccountFacts.
import type { ResourceKey } from './envelope.js';
import type { Resource } from './resource.js';
import type { RuleIssue } from './rules.js';

/**
 * Groups whose members hold root's power in practice, by name, with why. gid 0 is refused by number
 * whatever it is called. Programs, Pools and Terminals may not run with any of them (as their group
 * or as a membership of their user) unless the spec says allowRoot: true; Pools never.
 */
export const PRIVILEGED_GROUPS: Readonly<Record<string, string>> = {
  root: "root's own group owns system files",
  shadow: 'its members read /etc/shadow, every password hash',
  sudo: 'its members may run commands as root through sudo',
  wheel: 'its members may become root through su or sudo',
  admin: 'its members may run commands as root through sudo',
  disk: 'its members read and write raw disks, so any file',
  kmem: "its members read the kernel's memory",
  adm: 'its members read the system logs',
  'systemd-journal': 'its members read the whole system journal',
  docker: 'its members control the Docker daemon, which runs as root',
  lxd: 'its members control the LXD daemon, which runs as root',
  libvirt: 'its members control libvirt, which runs as root',
  staff: "its members write /usr/local, which is on root's PATH",
};

/** Why a group is privileged, or undefined when it is not. */
export function privilegedGroup(name: string | undefined, gid: number | undefined): string | undefined {
  if (gid === 0) return `gid 0 is root's group`;
  return name !== undefined && Object.hasOwn(PRIVILEGED_GROUPS, name) ? PRIVILEGED_GROUPS[name] : undefined;
}

/** The host's user database as rules need it: detected by the host room, passed in by the loader. */
export interface AccountFacts {
  users: ReadonlyMap<string, { uid: number; gid: number }>;
  groups: ReadonlyMap<string, { gid: number; members: readonly string[] }>;
  /** Changes whenever /etc/passwd or /etc/group does, so a cached load is not reused across edits. */
  stamp: string;
}

/** The groups a user runs with: its primary group and every group that lists it (initgroups). */
export function membershipOf(facts: AccountFacts, user: string): { name: string | undefined; gid: number }[] {
  const entry = facts.users.get(user);
  if (!entry) return [];
  const out: { name: string | undefined; gid: number }[] = [];
  const primary = [...facts.groups].find(([, g]) => g.gid === entry.gid);
  out.push({ name: primary?.[0], gid: entry.gid });
  for (const [name, g] of facts.groups)
    if (g.members.includes(user) && g.gid !== entry.gid) out.push({ name, gid: g.gid });
  return out;
}

const ALLOW = 'unless the spec says allowRoot: true';

function userIssues(facts: AccountFacts, key: ResourceKey, user: string, allow: string): RuleIssue[] {
  const entry = facts.users.get(user);
  if (!entry) return [];
  const path = ['spec', 'user'];
  if (entry.uid === 0)
    return [
      {
        key,
        path,
        code: 'TEND_ERR_ROOT_REFUSED',
        message: `user ${user} has uid 0, so it is root; refused ${allow}`,
      },
    ];
  for (const g of membershipOf(facts, user)) {
    const why = privilegedGroup(g.name, g.gid);
    if (why)
      return [
        {
          key,
          path,
          code: 'TEND_ERR_ROOT_REFUSED',
          message: `user ${user} belongs to group ${g.name ?? g.gid} (${why}); refused ${allow}`,
        },
      ];
  }
  return [];
}

function groupIssues(facts: AccountFacts, key: ResourceKey, group: string, allow: string): RuleIssue[] {
  const entry = facts.groups.get(group);
  const why = entry ? privilegedGroup(group, entry.gid) : undefined;
  if (!why) return [];
  return [
    {
      key,
      path: ['spec', 'group'],
      code: 'TEND_ERR_ROOT_REFUSED',
      message: `group ${group}: ${why}; refused ${allow}`,
    },
  ];
}

/** uid-0 aliases, gid-0 aliases and privileged memberships, which the schemas cannot see by name. */
export function noPrivilegedIdentities(
  all: readonly Resource[],
  ctx: { accounts?: AccountFacts } = {},
): RuleIssue[] {
  const facts = ctx.accounts;
  if (!facts) return [];
  const issues: RuleIssue[] = [];
  for (const r of all) {
    if (r.kind === 'Site' || r.kind === 'Issuer') continue;
    if ('allowRoot' in r.spec && r.spec.allowRoot) continue;
    const key: ResourceKey = `${r.kind}/${r.metadata.name}`;
    const allow = r.kind === 'Pool' ? '(php-fpm pools never run as root)' : ALLOW;
    // A Pool may name an account tend creates: an existing one of that name is checked like any other.
    const user = typeof r.spec.user === 'object' ? r.spec.user.name : r.spec.user;
    if (user !== undefined) issues.push(...userIssues(facts, key, user, allow));
    const group = 'group' in r.spec ? r.spec.group : undefined;
    if (group !== undefined) issues.push(...groupIssues(facts, key, group, allow));
  }
  return issues;
}
