// CommitVerifier (--git-verify) with the real git and gpg on a repository on disk: a commit signed by
// a keyring key passes; unsigned, unknown-key and altered commits are refused with their
// reason and the revision named; a changed keyring is re-imported; a keyring without keys is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommitVerifier } from '../../../src/gitsource/verify.js';
import { gpgKey, type GpgKey } from '../../helpers/gpg.js';
import { processesMentioning } from '../../helpers/procs.js';
import { tempDir } from '../../helpers/tmp.js';

test('--git-verify accepts only commits signed by a key of the keyring, naming why not', async (t) => {
  const dir = tempDir(t, 'tend-verify-');
  const trusted = gpgKey(t, 'Deployer <deploy@tend.test>');
  const stranger = gpgKey(t, 'Stranger <stranger@evil.test>');
  const work = join(dir, 'work');
  mkdirSync(work);
  const git = (key: GpgKey | undefined, ...args: string[]) => {
    const r = spawnSync(
      'git',
      ['-c', 'user.email=t@t', '-c', 'user.name=t', ...(key?.gitSign.config ?? []), ...args],
      {
        cwd: work,
        encoding: 'utf8',
        env: { ...process.env, ...(key?.gitSign.env ?? {}) },
      },
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  git(undefined, 'init', '--quiet', '-b', 'main');
  const commit = (key: GpgKey | undefined, message: string) => {
    git(key, 'commit', '--quiet', '--allow-empty', ...(key ? ['-S'] : []), '-m', message);
    return git(undefined, 'rev-parse', 'HEAD');
  };
  const good = commit(trusted, 'signed');
  const unsigned = commit(undefined, 'unsigned');
  const strange = commit(stranger, 'by a stranger');
  // The signed commit with its message changed: the signature no longer matches the content.
  const forgedText = git(undefined, 'cat-file', 'commit', good).replace(/\nsigned$/, '\nforged') + '\n';
  writeFileSync(join(dir, 'forged'), forgedText);
  const forged = git(undefined, 'hash-object', '-t', 'commit', '-w', join(dir, 'forged'));

  const keyring = join(dir, 'keyring.asc');
  trusted.exportTo(keyring);
  const home = join(dir, 'state/git/gnupg');
  const verifier = new CommitVerifier(keyring, home, join(work, '.git'), {});
  await verifier.prepare();

  assert.deepEqual(await verifier.verify(good), { ok: true, fingerprint: trusted.fingerprint });
  const refused = async (rev: string, reason: string, detail: RegExp) => {
    const v = await verifier.verify(rev);
    assert.equal(v.ok, false, `${rev} must be refused`);
    if (v.ok) return;
    assert.equal(v.reason, reason);
    assert.match(v.message, new RegExp(`^revision ${rev} `), 'the message names the revision');
    assert.match(v.message, detail);
  };
  await refused(unsigned, 'UnsignedRevision', /is not signed$/);
  await refused(
    strange,
    'UnknownSigningKey',
    new RegExp(`by key ${stranger.keyId}, which is not in the keyring`),
  );
  await refused(forged, 'BadSignature', /does not match its content/);
  const odd = await verifier.verify('--output=/etc/passwd');
  assert.equal(odd.ok, false, 'an argument that is not a commit hash never reaches git');
  assert.equal(!odd.ok && odd.reason, 'VerificationFailed');

  await t.test('a changed keyring is imported again: the old key no longer verifies', async () => {
    stranger.exportTo(keyring);
    await refused(good, 'UnknownSigningKey', new RegExp(trusted.keyId));
    assert.deepEqual(await verifier.verify(strange), { ok: true, fingerprint: stranger.fingerprint });
  });

  await t.test('a keyring holding no key is refused when prepared', async () => {
    const empty = join(dir, 'empty.asc');
    writeFileSync(empty, 'not a key\n');
    const v = new CommitVerifier(empty, join(dir, 'gnupg2'), join(work, '.git'), {});
    await assert.rejects(v.prepare(), /holds no OpenPGP public key/);
    const gone = await new CommitVerifier(
      join(dir, 'missing.asc'),
      join(dir, 'gnupg3'),
      join(work, '.git'),
      {},
    ).verify(good);
    assert.equal(!gone.ok && gone.reason, 'VerificationFailed');
  });

  await t.test("verifying starts no gpg-agent or dirmngr for tend's home", () => {
    assert.deepEqual(processesMentioning(home), []);
  });
});
