// Attacks on the built-in terminal's identity, with the real server and real ptys: the shell's
// groups are exactly its user's (never tend's), a directory the user cannot enter is an error
// (not a shell in /root), and a uid-0 alias or a privileged membership never gets a shell.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTendError } from '../../src/errors/catalogue.js';
import { createRealHost } from '../../src/host/index.js';
import { nodePtyProvider } from '../../src/terminal/pty.js';
import { TerminalServer } from '../../src/terminal/server.js';
import { generateTerminalToken } from '../../src/terminal/token.js';
import { expectOutput, killLeftovers, spec, startServer, type } from '../integration/terminal/harness.js';
import { isRoot, makeAccounts } from './accounts.js';

/** A server for `user` that is only started: the refusals come before any connection. */
function server(user: string, directory?: string) {
  return new TerminalServer({
    spec: spec({ user, ...(directory ? { directory } : {}) }),
    name: 'sec',
    port: 0,
    token: generateTerminalToken(),
    host: createRealHost(),
    pty: nodePtyProvider,
  });
}

test(
  "a terminal's shell has exactly its user's groups: its own membership, none of tend's",
  { skip: !isRoot && 'needs root to switch users' },
  async (t) => {
    const accounts = makeAccounts(t);
    const h = await startServer(t, spec({ user: accounts.tenant, directory: '/tmp' }));
    killLeftovers(t, () => h.spawned);
    const ws = await h.open();
    type(ws, 'echo "G=[$(id -G)] U=[$(id -u)] D=[$(pwd)]"');
    const groups = await expectOutput(ws, /G=\[([\d ]+)\]/);
    const gids = groups
      .trim()
      .split(/\s+/)
      .map(Number)
      .sort((a, b) => a - b);
    assert.deepEqual(gids, accounts.gids(accounts.tenant), "the pty's groups are the user's membership");
    assert.ok(gids.includes(accounts.gid(accounts.extraGroup)), 'supplementary groups come from the user');
    assert.ok(!gids.includes(0), "root's group does not survive the switch");
    assert.equal(Number(await expectOutput(ws, /U=\[(\d+)\]/)), accounts.uid(accounts.tenant));
    assert.equal(await expectOutput(ws, /D=\[(\/[^\]]*)\]/), '/tmp');
  },
);

test(
  'directory: /root with a non-root user is an error at start, not a shell in /root',
  { skip: !isRoot && 'needs root' },
  async (t) => {
    const accounts = makeAccounts(t);
    const s = server(accounts.tenant, '/root');
    t.after(() => s.stop());
    await assert.rejects(
      s.start(),
      (e) =>
        isTendError(e, 'TEND_ERR_SPAWN') &&
        /Terminal\/sec: user "tsect\d+" cannot enter the directory \/root/.test(e.message),
    );
  },
);

test(
  'a uid-0 alias and a user in a privileged group get no terminal without allowRoot',
  { skip: !isRoot && 'needs root' },
  async (t) => {
    const accounts = makeAccounts(t);
    for (const [user, why] of [
      [accounts.toor, /has uid 0/],
      [accounts.admMember, /belongs to group adm \(gid \d+\), which is privileged/],
    ] as const) {
      const s = server(user);
      t.after(() => s.stop());
      await assert.rejects(
        s.start(),
        (e) => isTendError(e, 'TEND_ERR_ROOT_REFUSED') && why.test(e.message),
        user,
      );
    }
  },
);
