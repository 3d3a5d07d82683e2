// The git source of `tend serve`: fetches the branch on an interval (with jitter) or on request,
// checks each new revision out, validates it, and only then switches the `current` link that the
// controller loads from (what a revision must pass is in admit.ts). A failed fetch or an invalid
// revision changes nothing that serves.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TendError } from '../errors/catalogue.js';
import { admitRevision, type Admission } from './admit.js';
import { GitRepo, gitPaths, type GitPaths } from './repo.js';
import { readPin, removePin, writePin } from './pin-file.js';
import type { GitSourceOptions, SourceCondition, SourceStatus } from './source-types.js';
import { displayUrl } from './url.js';
import { CommitVerifier, REFUSED_SIGNATURES } from './verify.js';

export class GitSource {
  readonly repo: GitRepo;
  readonly paths: GitPaths;
  private st: SourceStatus;
  private running: Promise<SourceStatus> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The last revision refused, so an interval does not validate the same bad commit again. */
  private held: { rev: string; reason: string; message: string } | undefined;
  /** Fetches, pins and unpins run one at a time: a pin must not race a switch to the branch head. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Set by --git-verify: no revision is switched to unless its commit's signature verifies. */
  private readonly verifier: CommitVerifier | undefined;

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  constructor(private readonly opts: GitSourceOptions) {
    this.paths = gitPaths(opts.stateDir);
    const env = opts.sshKey ? { sshKey: opts.sshKey } : {};
    this.repo = new GitRepo(this.paths, env);
    if (opts.verifyKeyring)
      this.verifier = new CommitVerifier(
        opts.verifyKeyring,
        join(this.paths.base, 'gnupg'),
        this.paths.repo,
        env,
      );
    this.st = {
      url: displayUrl(opts.url),
      branch: opts.branch,
      path: opts.path,
      conditions: [this.condition('Unknown', 'NotFetched', 'the source has not been fetched yet')],
    };
  }

  /** The desired-state dir the controller loads: through the link, never a checkout directly. */
  get desiredDir(): string {
    return this.opts.path ? join(this.paths.current, this.opts.path) : this.paths.current;
  }

  /**
   * The checkout a pass should load and its revision, read once so a pass sees one revision. Before
   * any revision was applied the pass fails (transient, so it is retried) with the source's reason.
   */
  async resolveDesired(): Promise<{ dir: string; revision: string }> {
    const rev = await this.repo.currentRevision();
    if (!rev) {
      const c = this.st.conditions[0];
      throw new TendError(
        'TEND_ERR_SOURCE_UNREADABLE',
        `the git source has no applicable revision yet (${c?.reason}: ${c?.message}); nothing is changed`,
      );
    }
    const dir = this.repo.checkoutDir(rev);
    return { dir: this.opts.path ? join(dir, this.opts.path) : dir, revision: rev };
  }

  status(): SourceStatus {
    return structuredClone(this.st);
  }

  private condition(status: SourceCondition['status'], reason: string, message: string): SourceCondition {
    const prev = this.st?.conditions[0];
    const lastTransitionTime =
      prev && prev.status === status ? prev.lastTransitionTime : new Date().toISOString();
    return { type: 'SourceReady', status, reason, message, lastTransitionTime };
  }

  private setReady(status: SourceCondition['status'], reason: string, message: string): void {
    const before = this.st.conditions[0];
    this.st.conditions = [this.condition(status, reason, message)];
    if (before?.status !== status || before.reason !== reason) {
      this.opts.record?.(status === 'True' ? 'Normal' : 'Warning', `Source${reason}`, message);
      const log = status === 'True' ? this.opts.log.info : this.opts.log.warn;
      log.call(this.opts.log, { reason, revision: this.st.revision }, `git source: ${message}`);
    }
  }

  /** Prepares the repository, reads the pin and the current link, then fetches once. */
  async start(): Promise<void> {
    await this.repo.prepare();
    // A keyring that holds no key would refuse every revision: say so at start, not at the first push.
    await this.verifier?.prepare().catch((err: Error) => {
      throw new TendError('TEND_ERR_USAGE', err.message);
    });
    const pin = await readPin(this.paths.base);
    if (pin) this.st.pinnedRevision = pin;
    const current = await this.repo.currentRevision();
    if (current) this.st.revision = current;
    await this.refresh();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    // ±20% jitter, so that a fleet started together does not fetch in step.
    const delay = Math.round(this.opts.intervalMs * (0.8 + Math.random() * 0.4));
    this.timer = setTimeout(() => {
      // A failure here (a full disk, a bug) must not become an unhandled rejection that ends tend.
      void this.refresh()
        .catch((err: unknown) => {
          const message = `the git source failed: ${String((err as Error).message ?? err)}`;
          this.setReady('Unknown', 'RefreshFailed', message);
        })
        .finally(() => this.schedule());
    }, delay);
    this.timer.unref();
  }

  /**
   * Fetches and, when the branch (or the pin) names a new revision, checks it out, validates it and
   * switches to it, then waits for the pass that applies it. Calls made while one runs are folded
   * into one more run after it. `retryHeld` (an operator's refresh) validates a held revision again:
   * what made it fail may have been fixed on the host (a PHP version installed).
   */
  refresh(opts: { retryHeld?: boolean } = {}): Promise<SourceStatus> {
    if (opts.retryHeld) this.held = undefined;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = (async () => {
      try {
        do {
          this.again = false;
          await this.exclusive(() => this.refreshOnce());
        } while (this.again && !this.stopped);
      } finally {
        this.running = undefined;
      }
      return this.status();
    })();
    this.running = run;
    return run;
  }

  private async refreshOnce(): Promise<void> {
    const fetched = await this.repo.fetch(this.opts.url, this.opts.branch, this.opts.maxBytes);
    this.st.lastFetchTime = new Date().toISOString();
    if (!fetched.ok) {
      const serving = this.st.revision ? `; still serving ${this.st.revision.slice(0, 12)}` : '';
      this.setReady(
        'False',
        fetched.reason,
        `fetching ${this.st.url} ${this.opts.branch} failed: ${fetched.message}${serving}`,
      );
      return;
    }
    this.st.lastFetchedRevision = fetched.revision;
    const target = this.st.pinnedRevision ?? fetched.revision;
    const switching = target !== this.st.revision;
    if (switching) {
      if (this.held?.rev === target) {
        this.setReady('False', this.held.reason, this.held.message);
        return;
      }
      const outcome = await this.tryApply(target);
      if (!outcome.ok) {
        if (outcome.reason === 'InvalidRevision' || REFUSED_SIGNATURES.has(outcome.reason))
          this.held = { rev: target, ...outcome };
        this.setReady('False', outcome.reason, outcome.message);
        return;
      }
    } else if (this.verifier) {
      // The revision serving since before --git-verify was set (or whose key left the keyring) is not
      // removed, which would delete everything; status says it is not verified until one replaces it.
      const v = await this.verifier.verify(target);
      if (!v.ok) {
        this.setReady(
          'False',
          v.reason,
          `${v.message}; it was applied before and keeps serving until a verified revision replaces it`,
        );
        return;
      }
    }
    const pinned = this.st.pinnedRevision
      ? ` (pinned; the branch is at ${fetched.revision.slice(0, 12)})`
      : '';
    this.setReady('True', 'Fetched', `serving ${target.slice(0, 12)} of ${this.opts.branch}${pinned}`);
    // Status says the source is ready before the pass runs; the caller waits for the pass.
    if (switching) await this.opts.onSwitch(target);
  }

  /** Checks out and validates rev (admit.ts), then switches to it; refuses an invalid revision. */
  private async tryApply(rev: string): Promise<Admission> {
    this.st.lastAttemptedRevision = rev;
    const serving = this.st.revision ? `; still serving ${this.st.revision.slice(0, 12)}` : '';
    const admitted = await admitRevision(rev, {
      repo: this.repo,
      verifier: this.verifier,
      path: this.opts.path,
      partialApply: this.opts.partialApply,
      validate: (dir) => this.opts.validate(dir),
      serving,
    });
    if (!admitted.ok) return admitted;
    const previous = this.st.revision;
    if (previous && !(await this.repo.isAncestor(previous, rev)))
      this.opts.record?.(
        'Normal',
        'SourceNonFastForward',
        `revision ${rev.slice(0, 12)} does not descend from ${previous.slice(0, 12)} (a force-push or a pin); applying it like any other`,
      );
    await this.repo.switchTo(rev);
    this.st.revision = rev;
    await this.repo.prune(new Set([rev, ...(this.st.pinnedRevision ? [this.st.pinnedRevision] : [])]));
    this.opts.log.info({ revision: rev, previous }, 'git source: switched revision');
    return { ok: true };
  }

  /** `tend source pin REV`: applies rev and holds it; refused when rev is unknown or invalid. */
  async pin(rev: string): Promise<SourceStatus> {
    if (!/^[0-9a-f]{4,40}$/.test(rev))
      throw new TendError(
        'TEND_ERR_USAGE',
        `expected a commit hash (4 to 40 hex digits), got ${JSON.stringify(rev.slice(0, 64))}`,
      );
    return this.exclusive(() => this.pinNow(rev));
  }

  private async pinNow(rev: string): Promise<SourceStatus> {
    const full = await this.repo.resolve(rev);
    if (!full)
      throw new TendError(
        'TEND_ERR_NOT_FOUND',
        `no commit ${rev} in the fetched repository (fetch first, or check the hash)`,
      );
    const switching = full !== this.st.revision;
    if (switching) {
      const outcome = await this.tryApply(full);
      if (!outcome.ok) throw new TendError('TEND_ERR_SOURCE_REVISION', `pin refused: ${outcome.message}`);
    }
    await writePin(this.paths.base, full);
    this.st.pinnedRevision = full;
    this.setReady('True', 'Pinned', `serving ${full.slice(0, 12)}, pinned until \`tend source unpin\``);
    if (switching) await this.opts.onSwitch(full);
    return this.status();
  }

  /** `tend source unpin`: forgets the pin and follows the branch again. */
  async unpin(): Promise<SourceStatus> {
    await this.exclusive(async () => {
      await removePin(this.paths.base);
      delete this.st.pinnedRevision;
    });
    return this.refresh();
  }

  /** True once a revision has been switched to (the controller has something to load). */
  get hasRevision(): boolean {
    return existsSync(this.paths.current);
  }
}
