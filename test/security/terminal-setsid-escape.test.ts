// Attack: a terminal user starts processes that leave the session (setsid, setsid -f, a double-fork
// daemon) so that a sweep by session id or parent cannot find them, then closes the session. On the
// real terminal server with a real pty and shell, nothing the session started may survive. Where the
// host has no cgroups (injected here), the session sweep still ends everything that stayed in the session.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Cgroups, hostCgroups } from '../../src/host/cgroup.js';
import {
  expectGone,
  expectOutput,
  killLeftovers,
  startServer,
  type,
} from '../integration/terminal/harness.js';
import { waitFor } from '../integration/terminal/ws-client.js';

/** Live processes whose command line holds `token` (each attack sleeps for a unique duration). */
function withToken(token: string): { pid: number; session: number }[] {
  const found: { pid: number; session: number }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(token)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] === 'Z' || rest[0] === 'X') continue;
      found.push({ pid: Number(name), session: Number(rest[4]) });
    } catch {
      /* exited while listing */
    }
  }
  return found;
}

/** A duration unique to this run, so the attack's sleeps are found by their command line. */
const token = () => `1000.${parseInt(randomBytes(3).toString('hex'), 16)}`;

const cgroups = hostCgroups();

test(
  'setsid, setsid -f and a double-fork daemon started in a session all die when it closes',
  { skip: cgroups.available ? false : `this host has no cgroups for tend: ${cgroups.reason}` },
  async (t) => {
    const h = await startServer(t);
    const attacks = {
      setsidBackground: token(),
      setsidInSubshell: token(),
      setsidFork: token(),
      doubleForkDaemon: token(),
      plainBackground: token(),
    };
    killLeftovers(t, () => [
      ...h.spawned,
      ...Object.values(attacks).flatMap((tk) => withToken(tk).map((p) => p.pid)),
    ]);
    const ws = await h.open();
    type(ws, `setsid sleep ${attacks.setsidBackground} &`);
    type(ws, `(setsid sleep ${attacks.setsidInSubshell} &)`);
    type(ws, `setsid -f sleep ${attacks.setsidFork}`);
    type(
      ws,
      `perl -MPOSIX -e 'fork and exit; setsid(); fork and exit; exec "sleep", "${attacks.doubleForkDaemon}"'`,
    );
    type(ws, `sleep ${attacks.plainBackground} & echo started-$((40+2))`);
    await expectOutput(ws, /started-42/);
    const shell = h.spawned[0]!;
    const found = await waitFor(
      () => Object.values(attacks).every((tk) => withToken(tk).length === 1),
      10_000,
      'every attack process to run',
    ).then(() => Object.fromEntries(Object.entries(attacks).map(([k, tk]) => [k, withToken(tk)[0]!])));
    // The escapes really left the shell's session: a session sweep alone could not find them.
    for (const k of ['setsidBackground', 'setsidInSubshell', 'setsidFork', 'doubleForkDaemon'])
      assert.notEqual(found[k]!.session, shell, `${k} left the session`);
    const session = h.server.status().sessions[0]!;
    const groupDir = `/sys/fs/cgroup/${cgroups.kind === 'v2' ? 'unified' : 'freezer'}/tend/terminal/${process.pid}.test.${session.id}`;

    ws.close();
    await expectGone([shell, ...Object.values(found).map((p) => p.pid)]);
    await waitFor(() => h.server.status().sessions.length === 0, 10_000, 'the session to end');
    for (const tk of Object.values(attacks)) assert.deepEqual(withToken(tk), [], `nothing runs ${tk}`);
    if (existsSync('/sys/fs/cgroup/unified') || existsSync('/sys/fs/cgroup/freezer'))
      assert.equal(existsSync(groupDir), false, 'the session cgroup was removed');
  },
);

test('without cgroups (injected) the session sweep still ends what stayed in the session', async (t) => {
  const warnings: string[] = [];
  const logger = { info: () => undefined, warn: (_o: object, msg: string) => void warnings.push(msg) };
  const h = await startServer(t, undefined, {
    cgroups: Cgroups.unavailable('injected by the test'),
    logger,
  });
  const attacks = { background: token(), subshellOrphan: token(), nohup: token(), ownGroup: token() };
  killLeftovers(t, () => [
    ...h.spawned,
    ...Object.values(attacks).flatMap((tk) => withToken(tk).map((p) => p.pid)),
  ]);
  const ws = await h.open();
  type(ws, `sleep ${attacks.background} &`);
  // The subshell exits at once: its sleep is reparented away from the shell but stays in the session.
  type(ws, `(sleep ${attacks.subshellOrphan} &)`);
  type(ws, `nohup sleep ${attacks.nohup} >/dev/null 2>&1 &`);
  type(ws, `set -m; (sleep ${attacks.ownGroup} &) ; echo started-$((40+2))`);
  await expectOutput(ws, /started-42/);
  await waitFor(
    () => Object.values(attacks).every((tk) => withToken(tk).length === 1),
    10_000,
    'every process to run',
  );
  const pids = Object.values(attacks).map((tk) => withToken(tk)[0]!.pid);
  assert.ok(
    warnings.some((w) => /no cgroups/.test(w)),
    `the fallback is logged: ${warnings.join('; ')}`,
  );
  ws.close();
  await expectGone([...h.spawned, ...pids]);
  for (const tk of Object.values(attacks)) assert.deepEqual(withToken(tk), []);
});
