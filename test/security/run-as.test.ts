// The run-as command line: hostile directories and arguments stay data (positional parameters of a
// fixed script), setpriv is called by absolute path, and the groups given are exactly the groups set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAs } from '../../src/host/run-as.js';

const isRoot = process.getuid?.() === 0;
const HOSTILE = ['$(id)', '`id`', '"; touch /tmp/x; "', "'", '-c', '--', '$1 $@'];

test('without a switch the argv is unchanged and the directory is the spawn cwd', () => {
  assert.deepEqual(runAs(undefined, '/srv/app', 'php', ['artisan']), {
    file: 'php',
    args: ['artisan'],
    cwd: '/srv/app',
  });
});

test('with a switch the script text is fixed; directory and argv are separate arguments', () => {
  const dir = '/srv/a dir; rm -rf /';
  const a = runAs({ uid: 1000, gid: 1000, groups: [1000, 27] }, dir, 'x', HOSTILE);
  const b = runAs({ uid: 1, gid: 1, groups: [] }, '/', 'y', []);
  assert.ok(a.file.startsWith('/'), 'setpriv by absolute path');
  assert.equal(a.cwd, '/');
  const script = (c: typeof a) => c.args[c.args.indexOf('-c') + 1];
  assert.equal(script(a), script(b), 'nothing from the spec is in the script');
  assert.deepEqual(a.args.slice(-HOSTILE.length - 2), [dir, 'x', ...HOSTILE]);
  assert.ok(a.args.includes('--groups=1000,27'));
  assert.ok(b.args.includes('--clear-groups'));
});

test(
  'run for real: hostile arguments arrive verbatim, in the directory, with exactly the groups given',
  { skip: !isRoot && 'needs root to switch users' },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'tend-runas-'));
    try {
      const cmd = runAs({ uid: 65534, gid: 65534, groups: [65534, 4242] }, '/tmp', '/bin/sh', [
        '-c',
        'printf "%s\\n" "$(id -u) $(id -G) $(pwd)" "$@"',
        'sh',
        ...HOSTILE,
      ]);
      const r = spawnSync(cmd.file, cmd.args, {
        cwd: cmd.cwd,
        encoding: 'utf8',
        env: { PATH: '/usr/bin:/bin' },
      });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.stdout.split('\n').slice(0, -1), ['65534 65534 4242 /tmp', ...HOSTILE]);
      const denied = runAs({ uid: 65534, gid: 65534, groups: [65534] }, dir, '/bin/true', []);
      const d = spawnSync(denied.file, denied.args, { cwd: denied.cwd, encoding: 'utf8' });
      assert.equal(d.status, 126, 'a directory the user cannot enter stops the start');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
