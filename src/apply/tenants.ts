// Before a pass applies pool files: the system accounts Pools ask for (`user: {name, create: true}`)
// and each Pool's own tmp and session dirs, owned by the pool's user. php-fpm -t refuses a pool whose
// user does not exist, so this runs before the gate. tend never deletes an account it created; it
// remembers them in state/accounts.json so that removing the Pool can say the account stays.
import { readAccounts, type Accounts } from '../host/accounts.js';
import type { Host } from '../host/host.js';
import type { ResourceKey } from '../model/index.js';
import type { Rendered } from '../render/types.js';
import type { EventLog } from '../state/events.js';

export const ACCOUNTS_FILE = 'accounts.json';
/** No login: the account only runs PHP. Debian's path; useradd checks it exists. */
const NOLOGIN = '/usr/sbin/nologin';

interface AccountsFile {
  version: 1;
  /** Pool key → the account tend created for it. */
  accounts: Record<string, string>;
}

/** Pool key → account name, as recorded when tend created the account. Read-only. */
export async function readCreatedAccounts(host: Host, stateDir: string): Promise<Map<ResourceKey, string>> {
  const text = await host.fs.readFile(`${stateDir}/${ACCOUNTS_FILE}`);
  const out = new Map<ResourceKey, string>();
  if (text === undefined) return out;
  try {
    const parsed = JSON.parse(text) as Partial<AccountsFile>;
    for (const [key, name] of Object.entries(parsed.accounts ?? {}))
      if (typeof name === 'string') out.set(key as ResourceKey, name);
  } catch {
    // A torn file only costs the "account stays" notice; the accounts themselves are untouched.
  }
  return out;
}

interface PasswdEntry {
  uid: number;
  gid: number;
}

async function lookupUser(host: Host, name: string): Promise<PasswdEntry | undefined> {
  const r = await host.exec('getent', ['passwd', name]);
  const fields = r.exitCode === 0 ? r.stdout.trim().split(':') : [];
  if (fields.length < 7) return undefined;
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

export interface PrepareTenantsOptions {
  host: Host;
  stateDir: string;
  rendered: readonly Rendered[];
  events?: EventLog;
}

/** Creates missing accounts and tenant dirs. Failures become events: php-fpm -t then names the pool. */
export async function prepareTenants(opts: PrepareTenantsOptions): Promise<void> {
  const { host } = opts;
  const root = host.isRoot();
  const known = new Map<string, PasswdEntry | undefined>();
  // /etc/passwd first, read once per pass: a pool user listed there needs no `getent` fork (one per
  // distinct user per pass, 1,000 on a host with a user per Pool). NSS-only users, and a name not
  // found there (before a useradd), still ask getent.
  let local: Promise<Accounts> | undefined;
  const user = async (name: string) => {
    if (!known.has(name)) {
      const listed = (await (local ??= readAccounts(host))).users.get(name);
      known.set(name, listed ? { uid: listed.uid, gid: listed.gid } : await lookupUser(host, name));
    }
    return known.get(name);
  };
  const created = new Map<ResourceKey, string>();
  for (const r of opts.rendered) {
    if (r.account && root && !(await user(r.account.name))) {
      const { name, home } = r.account;
      const res = await host.exec('useradd', [
        '--system',
        '--user-group',
        '--no-create-home',
        '--home-dir',
        home,
        '--shell',
        NOLOGIN,
        '--comment',
        `tend ${r.key}`,
        '--',
        name,
      ]);
      known.delete(name);
      local = undefined;
      if (res.exitCode === 0) {
        created.set(r.key, name);
        opts.events?.record({
          type: 'Normal',
          key: r.key,
          reason: 'AccountCreated',
          message: `created system user ${name} (no login shell, home ${home}); tend never deletes it`,
        });
      } else
        opts.events?.record({
          type: 'Warning',
          key: r.key,
          reason: 'AccountFailed',
          message: `useradd ${name} failed (exit ${res.exitCode}): ${res.stderr.trim().slice(0, 300)}`,
        });
    }
    for (const dir of r.tenantDirs ?? []) {
      // One stat when the dir is there (every pass but the first): its parent is then there too.
      const st = await host.fs.stat(dir.path);
      if (!st) {
        // Root-owned and not listable: one tenant cannot see which others exist.
        await host.fs.mkdirp(dir.parent, 0o711);
        await host.fs.mkdirp(dir.path, dir.mode);
      }
      if (!root) continue;
      // Known after the first dir: 3,000 dirs a resync need not each await a lookup.
      const owner = known.get(dir.owner) ?? (await user(dir.owner));
      if (owner && (st?.uid !== owner.uid || st.gid !== owner.gid))
        await host.fs.chown(dir.path, owner.uid, owner.gid);
    }
  }
  if (created.size > 0) await recordAccounts(host, opts.stateDir, created);
}

async function recordAccounts(host: Host, stateDir: string, created: ReadonlyMap<ResourceKey, string>) {
  const accounts = Object.fromEntries(await readCreatedAccounts(host, stateDir));
  for (const [key, name] of created) accounts[key] = name;
  const file: AccountsFile = { version: 1, accounts };
  await host.fs.writeFileAtomic(`${stateDir}/${ACCOUNTS_FILE}`, `${JSON.stringify(file, null, 2)}\n`, 0o600);
}
