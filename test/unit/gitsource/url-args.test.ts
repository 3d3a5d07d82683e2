// The git source's input checks: URLs with credentials or command transports are refused, git's
// messages are scrubbed and classified, and `--git-*` flags are validated before any fetch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServeArgs } from '../../../src/cli/serve-args.js';
import { isTendError } from '../../../src/errors/catalogue.js';
import { classifyFetchError } from '../../../src/gitsource/repo.js';
import { checkGitUrl, redactCredentials } from '../../../src/gitsource/url.js';

const refused = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (err) => isTendError(err) && err.code === 'TEND_ERR_USAGE' && pattern.test(err.message));

test('checkGitUrl accepts plain remotes and refuses credentials and command transports', () => {
  for (const ok of [
    'https://git.example.com/ops/site.git',
    'ssh://git@git.example.com:22/ops/site.git',
    'git@github.com:ops/site.git',
    'git://127.0.0.1:9418/site.git',
    'file:///srv/git/site.git',
    '/srv/git/site.git',
  ])
    assert.doesNotThrow(() => checkGitUrl(ok), ok);
  refused(() => checkGitUrl('https://user:hunter2@git.example.com/x.git'), /password/);
  refused(() => checkGitUrl('https://ghp_abcdef@git.example.com/x.git'), /user or token/);
  refused(() => checkGitUrl('ssh://git:pw@git.example.com/x.git'), /password/);
  refused(() => checkGitUrl('ext::sh'), /can run commands/);
  refused(() => checkGitUrl('fd::3'), /can run commands/);
  refused(() => checkGitUrl('--upload-pack=touch'), /starting with "-"/);
  refused(() => checkGitUrl('ftp://example.com/x.git'), /scheme/);
  refused(() => checkGitUrl('relative/path'), /neither/);
  refused(() => checkGitUrl('https://example.com/a b'), /whitespace/);
});

test('redactCredentials removes user info from every URL in a message', () => {
  const text = "fatal: unable to access 'https://user:s3cret@example.com/x.git/': and http://tok@h/y";
  const out = redactCredentials(text);
  assert.ok(!out.includes('s3cret') && !out.includes('tok@'));
  assert.match(out, /https:\/\/\*\*\*@example\.com/);
});

test('classifyFetchError names the failure from git messages', () => {
  assert.equal(classifyFetchError("fatal: couldn't find remote ref refs/heads/main"), 'BranchNotFound');
  assert.equal(
    classifyFetchError(
      'fatal: unable to connect to 127.0.0.1:\n127.0.0.1[0: 127.0.0.1]: errno=Connection refused',
    ),
    'Unreachable',
  );
  assert.equal(classifyFetchError('git@host: Permission denied (publickey).'), 'AuthenticationFailed');
  assert.equal(classifyFetchError('something else entirely'), 'FetchFailed');
});

test('serve --git flags are parsed and checked', () => {
  const opts = parseServeArgs(
    [
      '--git',
      'git://127.0.0.1/site.git',
      '--git-branch',
      'prod/eu',
      '--git-path',
      'deploy/',
      '--git-interval',
      '30s',
      '--partial-apply',
    ],
    '/srv',
  );
  assert.ok(opts !== 'help');
  assert.deepEqual(opts.git, {
    url: 'git://127.0.0.1/site.git',
    branch: 'prod/eu',
    path: 'deploy',
    intervalMs: 30_000,
    maxBytes: 1024 ** 3,
    partialApply: true,
  });
  const plain = parseServeArgs([], '/srv');
  assert.ok(plain !== 'help' && plain.git === undefined);
  refused(() => parseServeArgs(['--git-branch', 'main'], '/srv'), /--git-branch needs --git URL/);
  refused(() => parseServeArgs(['--git', '/r', '--git-branch', '-x'], '/srv'), /--git-branch/);
  refused(() => parseServeArgs(['--git', '/r', '--git-branch', 'a..b'], '/srv'), /--git-branch/);
  refused(() => parseServeArgs(['--git', '/r', '--git-path', '../etc'], '/srv'), /--git-path/);
  refused(() => parseServeArgs(['--git', '/r', '--git-path', '/etc'], '/srv'), /--git-path/);
  refused(() => parseServeArgs(['--git', '/r', '--git-interval', '10ms'], '/srv'), /--git-interval/);
  refused(() => parseServeArgs(['--git', '/r', '--git-ssh-key', 'k; rm -rf /'], '/srv'), /--git-ssh-key/);
  refused(() => parseServeArgs(['--git', '/r', '--git-max-size', '-1'], '/srv'), /--git-max-size/);
});
