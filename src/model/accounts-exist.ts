// A Pool, Program or Job that names a user the host does not have is refused at validation, with
// the file and line of its `user`, instead of failing later in php-fpm -t, a spawn or a Job's run.
// A Pool that asks tend to create its account (`user: {name, create: true}`) is exempt.
import type { AccountFacts } from './privilege.js';
import type { ResourceKey } from './envelope.js';
import { poolUserName } from './pool.js';
import type { Resource } from './resource.js';

export interface AccountIssue {
  key: ResourceKey;
  path: (string | number)[];
  code: 'TEND_ERR_USER_UNKNOWN';
  message: string;
}

function userOf(r: Resource): { name: string; path: (string | number)[] } | undefined {
  if (r.kind === 'Pool')
    return typeof r.spec.user !== 'string' && r.spec.user.create
      ? undefined
      : { name: poolUserName(r.spec.user), path: ['spec', 'user'] };
  if ((r.kind === 'Program' || r.kind === 'Job') && r.spec.user !== undefined)
    return { name: r.spec.user, path: ['spec', 'user'] };
  return undefined;
}

export function accountsExist(all: readonly Resource[], accounts: AccountFacts | undefined): AccountIssue[] {
  // Without the host's accounts (a plan-only check elsewhere) nothing can be judged.
  if (!accounts || accounts.users.size === 0) return [];
  const issues: AccountIssue[] = [];
  for (const r of all) {
    const user = userOf(r);
    if (!user || accounts.users.has(user.name)) continue;
    issues.push({
      key: `${r.kind}/${r.metadata.name}` as ResourceKey,
      path: user.path,
      code: 'TEND_ERR_USER_UNKNOWN',
      message: `user ${user.name} does not exist on this host; expected an existing account${r.kind === 'Pool' ? ', or user: { name: ' + user.name + ', create: true } for tend to create it' : ''}`,
    });
  }
  return issues;
}
