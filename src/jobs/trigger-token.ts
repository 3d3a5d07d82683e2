// Per-Job trigger tokens (`trigger: { token: true }`): a random token in <dir>/<job>.token, owned by
// the Job's user and readable by it alone, so the hosted app (same user) can start that Job, and
// only that Job, through the API. The file survives tend restarts (an app keeps using it); a Job
// that drops the trigger, or is removed, loses its file and its token at once.
import { chmodSync, chownSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateToken, tokensEqual } from '../api/token.js';
import type { Host } from '../host/index.js';
import { resolveIdentity } from '../supervisor/identity.js';
import type { JobRuntime } from './job-spec.js';

export interface TokenOwner {
  uid: number | undefined;
  gid: number | undefined;
}

export class TriggerTokens {
  private readonly tokens = new Map<string, string>();

  constructor(readonly dir: string) {}

  pathOf(job: string): string {
    return join(this.dir, `${job}.token`);
  }

  /**
   * Makes sure exactly the Jobs in `wanted` have a token file owned by their user; the others lose
   * theirs. An existing file is kept (with its owner and mode healed), so a restart changes nothing.
   */
  sync(wanted: ReadonlyMap<string, TokenOwner>): void {
    // 0711: the user reaches its own file by name, but nobody lists which Jobs have tokens.
    mkdirSync(this.dir, { recursive: true, mode: 0o711 });
    chmodSync(this.dir, 0o711);
    for (const [job, owner] of wanted) {
      const path = this.pathOf(job);
      let token = this.tokens.get(job) ?? readToken(path);
      if (!token) {
        token = generateToken();
        writeFileSync(path, `${token}\n`, { mode: 0o400 });
      }
      // Owner first, then the mode: never a moment where another user may read it.
      chownSync(path, owner.uid ?? 0, owner.gid ?? 0);
      chmodSync(path, 0o400);
      this.tokens.set(job, token);
    }
    for (const job of [...this.tokens.keys()]) if (!wanted.has(job)) this.tokens.delete(job);
    for (const file of safeReaddir(this.dir)) {
      const job = file.replace(/\.token$/, '');
      if (file.endsWith('.token') && !wanted.has(job)) rmSync(join(this.dir, file), { force: true });
    }
  }

  /** True when `given` is this Job's own trigger token (constant-time compare). */
  matches(job: string, given: string): boolean {
    const token = this.tokens.get(job);
    return token !== undefined && tokensEqual(given, token);
  }
}

function readToken(path: string): string | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text.length >= 32 ? text : undefined;
  } catch {
    return undefined;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Token files for the Jobs that ask for one, owned by the Job's user; a user that cannot be resolved gets none. */
export async function syncJobTokens(
  host: Host,
  tokens: TriggerTokens,
  jobs: readonly JobRuntime[],
  onError: (job: string, message: string) => void,
): Promise<void> {
  const wanted = new Map<string, TokenOwner>();
  for (const job of jobs) {
    if (!job.triggerToken) continue;
    try {
      const id = await resolveIdentity(host, job.name, job.process);
      wanted.set(job.name, { uid: id.uid, gid: id.gid });
    } catch (err) {
      onError(job.name, (err as Error).message);
    }
  }
  tokens.sync(wanted);
}
