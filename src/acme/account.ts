// The ACME account of an Issuer: its key (made once, 0600) and URL under the state dir, and what
// happens when the CA refuses it (deactivated, revoked, or forgotten): the key is set aside beside
// the account file, so the next attempt registers a fresh account instead of failing forever.
import type { Host } from '../host/host.js';
import { AcmeFailure } from './problem.js';
import type { AcmePaths } from './paths.js';
import { acmeClient } from './client.js';

export interface AccountFile {
  key: string;
  url?: string;
}

/** Problem types that mean "this account cannot be used again", when the account step returns them. */
export const ACCOUNT_REFUSED: ReadonlySet<string> = new Set([
  'urn:ietf:params:acme:error:unauthorized',
  'urn:ietf:params:acme:error:accountDoesNotExist',
]);

/** The CA refused a registered account; its key was moved to `retiredFile` and a new one comes next. */
export class AccountRetired extends AcmeFailure {
  constructor(
    cause: AcmeFailure,
    readonly accountUrl: string,
    readonly retiredFile: string,
  ) {
    super(cause.type, cause.detail, cause.retryAfterMs);
  }
}

export async function loadAccount(host: Host, paths: AcmePaths, issuer: string): Promise<AccountFile> {
  const file = paths.accountFile(issuer);
  const text = await host.fs.readFile(file);
  if (text !== undefined) return JSON.parse(text) as AccountFile;
  const key = (await (await acmeClient()).crypto.createPrivateEcdsaKey()).toString();
  await host.fs.mkdirp(file.slice(0, file.lastIndexOf('/')), 0o700);
  await host.fs.writeFileAtomic(file, `${JSON.stringify({ key })}\n`, 0o600);
  return { key };
}

export async function saveAccountUrl(
  host: Host,
  paths: AcmePaths,
  issuer: string,
  acct: AccountFile,
  url: string,
): Promise<void> {
  if (url === acct.url) return;
  await host.fs.writeFileAtomic(
    paths.accountFile(issuer),
    `${JSON.stringify({ key: acct.key, url })}\n`,
    0o600,
  );
}

/**
 * Called when the account step failed. Only an account the CA once registered (it has a URL) is
 * retired: a key that never made an account (a wrong EAB key, say) is not the problem. The old key
 * stays beside the file (`.retired`, 0600) for the operator; one is kept.
 */
export async function retireIfRefused(
  host: Host,
  paths: AcmePaths,
  issuer: string,
  acct: AccountFile,
  failure: AcmeFailure,
): Promise<AcmeFailure> {
  if (!acct.url || !ACCOUNT_REFUSED.has(failure.type)) return failure;
  const file = paths.accountFile(issuer);
  const retired = `${file}.retired`;
  await host.fs.writeFileAtomic(retired, `${JSON.stringify(acct)}\n`, 0o600);
  await host.fs.remove(file);
  return new AccountRetired(failure, acct.url, retired);
}
