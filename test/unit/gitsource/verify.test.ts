// CommitVerifier (--git-verify) with the real git and gpg on a repository on disk: a commit signed by
// a keyring key passes; unsigned, unknown-key and altered commits are refused with their reason and
// the revision named; a changed keyring is re-imported; a keyring without keys is refused. GitSource
// holds a refused revision until an operator's refresh verifies it again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommitVerifier } from '../../../src/gitsource/verify.js';
import { staticSiteYaml } from '../../helpers/e2e.js';
import { gpgKey, type GpgKey } from '../../helpers/gpg.js';
import { processesMentioning } from '../../helpers/procs.js';
import { tempDir } from '../../helpers/tmp.js';
import { gitSourceOn, workRepo } from './work-repo.js';

test('--git-verify accepts only commits signed by a key of the keyring, naming why not', async (t) => {
  const dir = tempDir(t, 'tend-verify-');
  const trusted = gpgKey(t, 'Deployer <deploy@tend.test>');
  const stranger = gpgKey(t, 'Stranger <stranger@evil.test>');
  const { work, git, commit: commitFiles } = workRepo(dir);
  const commit = (key: GpgKey | undefined, message: string) => commitFiles({}, { message, key });
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

test('GitSource --git-verify: a refused revision is held until an operator refresh verifies it again', async (t) => {
  const dir = tempDir(t, 'tend-verify-src-');
  const trusted = gpgKey(t, 'Deployer <deploy@tend.test>');
  const newcomer = gpgKey(t, 'Newcomer <new@tend.test>');
  const repo = workRepo(dir);
  const commit = (key: GpgKey, file: string) =>
    repo.commit(
      { [file]: staticSiteYaml(file.replace('.yaml', ''), `/srv/www/${file}`) },
      { message: file, key },
    );
  const keyring = join(dir, 'keyring.asc');
  trusted.exportTo(keyring);
  const switched: string[] = [];
  const src = gitSourceOn(dir, repo.work, {
    verifyKeyring: keyring,
    onSwitch: async (rev) => void switched.push(rev),
  });
  t.after(() => src.stop());
  const good = commit(trusted, 'a.yaml');
  await src.start();
  assert.deepEqual(switched, [good]);

  const byNewcomer = commit(newcomer, 'b.yaml');
  const held = await src.refresh();
  assert.equal(held.revision, good);
  assert.equal(held.conditions[0]?.reason, 'UnknownSigningKey');
  // The keyring gains the newcomer's key: an interval's fetch keeps the revision held (it is not
  // verified again every interval); an operator's refresh verifies it again and applies it.
  newcomer.exportTo(join(dir, 'newcomer.asc'));
  writeFileSync(keyring, readFileSync(keyring, 'utf8') + readFileSync(join(dir, 'newcomer.asc'), 'utf8'));
  assert.equal((await src.refresh()).conditions[0]?.reason, 'UnknownSigningKey');
  const retried = await src.refresh({ retryHeld: true });
  assert.equal(retried.revision, byNewcomer);
  assert.equal(retried.conditions[0]?.status, 'True');
  assert.deepEqual(switched, [good, byNewcomer]);
});
