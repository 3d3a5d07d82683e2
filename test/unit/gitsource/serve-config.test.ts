// tend.yaml beside the state dir: the git source's settings without flags, flags winning over the
// file, and a bad file refused with its file, line and field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseServeArgs } from '../../../src/cli/serve-args.js';
import { isTendError } from '../../../src/errors/catalogue.js';
import { tempDir } from '../../helpers/tmp.js';

test('tend.yaml configures the git source; flags override it', (t) => {
  const root = tempDir(t, 'tend-config-');
  writeFileSync(
    join(root, 'tend.yaml'),
    'git:\n  url: git://127.0.0.1/site.git\n  branch: prod\n  path: deploy\n  interval: 30s\n  sshKey: keys/deploy\npartialApply: true\n',
  );
  const fromFile = parseServeArgs(['--root', root], '/');
  assert.ok(fromFile !== 'help');
  assert.deepEqual(fromFile.git, {
    url: 'git://127.0.0.1/site.git',
    branch: 'prod',
    path: 'deploy',
    intervalMs: 30_000,
    sshKey: join(root, 'keys/deploy'),
    maxBytes: 1024 ** 3,
    partialApply: true,
  });
  const flagged = parseServeArgs(['--root', root, '--git-branch', 'main'], '/');
  assert.ok(flagged !== 'help');
  assert.equal(flagged.git?.branch, 'main');
  assert.equal(flagged.git?.url, 'git://127.0.0.1/site.git');
});

test('a bad tend.yaml is refused with file, line and field; credentials in it too', (t) => {
  const root = tempDir(t, 'tend-config-');
  const file = join(root, 'tend.yaml');
  writeFileSync(file, 'git:\n  url: git://h/x.git\n  branch: 7\n');
  assert.throws(
    () => parseServeArgs(['--root', root], '/'),
    (e) => isTendError(e) && e.message.startsWith(`${file}:3: git.branch:`),
  );
  writeFileSync(file, 'git:\n  url: git://h/x.git\n  brnach: main\n');
  assert.throws(
    () => parseServeArgs(['--root', root], '/'),
    (e) => isTendError(e) && e.message.startsWith(`${file}:`) && /brnach/.test(e.message),
  );
  writeFileSync(file, 'git:\n  url: https://u:s3cret@h/x.git\n');
  assert.throws(
    () => parseServeArgs(['--root', root], '/'),
    (e) => isTendError(e) && /without credentials/.test(e.message) && !e.message.includes('s3cret'),
  );
});

test('--git-verify and tend.yaml git.verify name a keyring file, resolved beside the file', (t) => {
  const root = tempDir(t, 'tend-config-');
  writeFileSync(join(root, 'keyring.asc'), 'a keyring\n');
  writeFileSync(join(root, 'tend.yaml'), 'git:\n  url: git://127.0.0.1/site.git\n  verify: keyring.asc\n');
  const fromFile = parseServeArgs(['--root', root], '/');
  assert.ok(fromFile !== 'help');
  assert.equal(fromFile.git?.verifyKeyring, join(root, 'keyring.asc'));
  const usage = (args: string[], pattern: RegExp) =>
    assert.throws(
      () => parseServeArgs(args, root),
      (e) => isTendError(e) && e.code === 'TEND_ERR_USAGE' && pattern.test(e.message),
    );
  usage(['--git-verify', 'keyring.asc'], /--git-verify needs --git URL/);
  usage(
    ['--root', root, '--git-verify', 'missing.asc'],
    /expected --git-verify as a keyring file .*no such file/,
  );
  usage(
    ['--root', root, '--git-verify', '.'],
    /expected --git-verify as a keyring file .*not a regular file/,
  );
});
