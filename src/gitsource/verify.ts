// --git-verify KEYRING: a revision is applied only when its commit carries an OpenPGP signature that
// `git verify-commit` accepts against the keyring file's keys, and only those (decision 0041). The
// keys are imported into a GNUPGHOME of tend's own under the state dir, rebuilt when the file changes.
import { execa } from 'execa';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runGit, type GitEnvOptions } from './git-cli.js';
import { COMMIT } from './repo.js';

/** Refusals of the revision itself: held, so an interval does not verify the same commit again. */
export const REFUSED_SIGNATURES: ReadonlySet<string> = new Set([
  'UnsignedRevision',
  'UnknownSigningKey',
  'BadSignature',
  'SignatureRejected',
]);

/** VerificationFailed: the verifier could not run (the keyring gone); not held, retried. */
export type VerifyFailure =
  'UnsignedRevision' | 'UnknownSigningKey' | 'BadSignature' | 'SignatureRejected' | 'VerificationFailed';

export type VerifyResult =
  { ok: true; fingerprint: string } | { ok: false; reason: VerifyFailure; message: string };

/**
 * Every key in the keyring is trusted: the file is the trust decision, so gpg's web of trust does not
 * apply. No agent, dirmngr or key server is ever started or asked: verifying needs none.
 */
const GPG_CONF = 'no-autostart\ntrust-model always\nno-auto-key-retrieve\nno-greeting\n';

/** gpg's status lines (`[GNUPG:] KEYWORD args`): only hex key ids and fingerprints are kept. */
const HEX = /^[0-9A-F]{8,40}$/;

export class CommitVerifier {
  private builtFrom: string | undefined;
  /** Revisions verified against the keyring as built now (commit → signing key's fingerprint). */
  private readonly good = new Map<string, string>();

  constructor(
    private readonly keyring: string,
    /** <stateDir>/git/gnupg: tend's own, rebuilt from the keyring; nothing else is read from it. */
    private readonly home: string,
    private readonly gitDir: string,
    private readonly env: GitEnvOptions,
  ) {}

  /** Imports the keyring into a fresh home when the file changed; throws when it holds no key. */
  async prepare(): Promise<void> {
    const st = await stat(this.keyring).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`--git-verify: cannot read the keyring ${this.keyring}: ${err.code ?? err.message}`);
    });
    const identity = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
    if (identity === this.builtFrom) return;
    this.builtFrom = undefined;
    this.good.clear();
    await rm(this.home, { recursive: true, force: true });
    await mkdir(this.home, { recursive: true, mode: 0o700 });
    await writeFile(join(this.home, 'gpg.conf'), GPG_CONF, { mode: 0o600 });
    const gpg = (args: string[]) =>
      execa('gpg', ['--homedir', this.home, '--batch', '--no-tty', '--no-autostart', ...args], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' },
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
        timeout: 30_000,
      });
    const imported = await gpg(['--import', '--', this.keyring]);
    if ((imported as { code?: string }).code === 'ENOENT')
      throw new Error('--git-verify needs gpg, which is not installed (Debian package gnupg)');
    const listed = await gpg(['--with-colons', '--list-keys']);
    const fingerprints = String(listed.stdout)
      .split('\n')
      .filter((l) => l.startsWith('fpr:'))
      .map((l) => l.split(':')[9] ?? '');
    if (fingerprints.length === 0)
      throw new Error(
        `--git-verify: the keyring ${this.keyring} holds no OpenPGP public key ` +
          `(gpg --import: ${String(imported.stderr).trim().split('\n').at(-1) ?? `exit ${imported.exitCode}`})`,
      );
    this.builtFrom = identity;
  }

  /**
   * Verifies the commit `rev` (its own signature, as Flux does: not its ancestors'). git is pinned to
   * gpg for OpenPGP signatures; an ssh or x509 signature runs nothing and is refused.
   */
  async verify(rev: string): Promise<VerifyResult> {
    try {
      return await this.check(rev);
    } catch (err) {
      const message = `revision ${rev} could not be verified: ${String((err as Error).message)}`;
      return { ok: false, reason: 'VerificationFailed', message };
    }
  }

  private async check(rev: string): Promise<VerifyResult> {
    if (!COMMIT.test(rev)) throw new Error(`expected a 40-hex commit, got ${JSON.stringify(rev)}`);
    await this.prepare();
    const known = this.good.get(rev);
    if (known) return { ok: true, fingerprint: known };
    const r = await runGit(
      [
        ...['-c', 'gpg.program=gpg', '-c', 'gpg.ssh.program=/bin/false', '-c', 'gpg.x509.program=/bin/false'],
        ...['--git-dir', this.gitDir, 'verify-commit', '--raw', rev],
      ],
      { ...this.env, gnupgHome: this.home, timeoutMs: 30_000 },
    );
    const status = new Map<string, string[]>();
    for (const line of r.stderr.split('\n')) {
      const m = /^\[GNUPG:\] ([A-Z_]+)(?: (.*))?$/.exec(line.trim());
      if (m) status.set(m[1]!, (m[2] ?? '').split(' '));
    }
    const key = (word: string) => {
      const id = status.get(word)?.[0] ?? '';
      return HEX.test(id) ? id : 'unknown';
    };
    const valid = status.get('VALIDSIG')?.[0] ?? '';
    if (r.exitCode === 0 && status.has('GOODSIG') && HEX.test(valid)) {
      this.good.set(rev, valid);
      return { ok: true, fingerprint: valid };
    }
    const named = `revision ${rev}`;
    if (status.has('NO_PUBKEY'))
      return {
        ok: false,
        reason: 'UnknownSigningKey',
        message: `${named} is signed by key ${key('NO_PUBKEY')}, which is not in the keyring ${this.keyring}`,
      };
    if (status.has('BADSIG'))
      return {
        ok: false,
        reason: 'BadSignature',
        message: `${named} has a signature by key ${key('BADSIG')} that does not match its content (altered after signing)`,
      };
    for (const [word, what] of [
      ['EXPKEYSIG', 'an expired key'],
      ['REVKEYSIG', 'a revoked key'],
      ['EXPSIG', 'an expired signature'],
    ] as const)
      if (status.has(word))
        return {
          ok: false,
          reason: 'SignatureRejected',
          message: `${named} is signed with ${what} (${key(word)})`,
        };
    if (!(await this.hasSignature(rev)))
      return { ok: false, reason: 'UnsignedRevision', message: `${named} is not signed` };
    return {
      ok: false,
      reason: 'SignatureRejected',
      message: `${named} has a signature git verify-commit does not accept (only OpenPGP signatures by the keyring's keys are; exit ${r.exitCode})`,
    };
  }

  /** True when the commit object has a signature header (gpgsig, or gpgsig-sha256). */
  private async hasSignature(rev: string): Promise<boolean> {
    const r = await runGit(['--git-dir', this.gitDir, 'cat-file', 'commit', rev], this.env);
    const header = r.stdout.split('\n\n', 1)[0] ?? '';
    return /^gpgsig(-sha256)? /m.test(header);
  }
}
