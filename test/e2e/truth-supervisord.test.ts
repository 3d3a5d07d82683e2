// Status that never lies (issue 14, item 5), through `tend serve` on Debian's supervisord: a
// supervisord-backend Program that exits at once goes FATAL; each pass observes it through
// getAllProcessInfo, reads it as not Ready, restarts it with an event, and reads Ready once it runs;
// a killed supervisord reads Unknown with the reason, and no stale pids.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { serveEnv, waitFor } from './serve-harness.js';

interface Cond {
  type: string;
  status: string;
  reason: string;
  message: string;
}
const readyOf = (st: Record<string, unknown> | undefined) =>
  (st?.conditions as Cond[] | undefined)?.find((c) => c.type === 'Ready');

test(
  'a supervisord Program killed to FATAL is restarted by tend, and a dead supervisord reads Unknown',
  { timeout: 300_000 },
  async (t) => {
    const env = await serveEnv(t);
    const gate = join(env.base, 'may-run');
    const script = join(env.base, 'flaky.sh');
    // Exits at once (supervisord goes BACKOFF, then FATAL) until the gate exists, then stays up.
    writeFileSync(
      script,
      'echo "starting"\n[ -e "$1" ] || { echo "no gate: giving up"; exit 2; }\nsleep 600\n',
    );
    env.write(
      'flaky.yaml',
      `apiVersion: tend/v1
kind: Program
metadata: { name: flaky }
spec:
  backend: supervisord
  command: [/bin/sh, ${script}, ${gate}]
  user: nobody
  backoff: { initial: 100ms, max: 1s }
`,
    );
    await env.start();

    // FATAL is observed and restarted by a pass; the status is never Ready meanwhile and says why.
    const seen = new Set<string>();
    let last: unknown;
    const restarted = await waitFor(
      'tend to restart the FATAL program',
      async () => {
        const st = await env.resource('Program/flaky');
        if (st) seen.add(String(st.phase));
        last = st;
        return /tend restarted it \d+ time\(s\) after FATAL/.test(readyOf(st)?.message ?? '')
          ? st
          : undefined;
      },
      120_000,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}; last status ${JSON.stringify(last)}; log tail ${env.daemon.log().slice(-3000)}`,
      );
    });
    assert.ok(!seen.has('Ready'), `never Ready while it cannot run: ${[...seen].join(', ')}`);
    assert.notEqual(restarted.phase, 'Ready');
    const events = readFileSync(join(env.root, 'state/events.jsonl'), 'utf8');
    assert.match(events, /"key":"Program\/flaky".*"reason":"FatalRestarted".*was FATAL in supervisord/);

    // Once it can run, a later restart sticks: Ready with a live pid.
    writeFileSync(gate, '');
    const ready = await waitFor(
      'Program/flaky to read Ready',
      async () => {
        const st = await env.resource('Program/flaky');
        return st?.phase === 'Ready' ? st : undefined;
      },
      120_000,
    );
    const pid = Number((ready.outputs as Record<string, unknown>).pids);
    assert.ok(pid > 0, JSON.stringify(ready.outputs));
    process.kill(pid, 0);

    // supervisord hung (SIGSTOP: alive, so nothing restarts it, but it answers nobody): the next pass
    // cannot ask it, so Unknown with the reason and no pids, never its last live state. (A SIGKILL
    // raced tend's own restart of the master: on a busy machine no pass saw it down.)
    const svPid = Number(readFileSync(join(env.root, 'run/supervisord.pid'), 'utf8').trim());
    process.kill(svPid, 'SIGSTOP');
    t.after(() => {
      try {
        process.kill(svPid, 'SIGCONT');
      } catch {
        /* already gone */
      }
    });
    // A pass now (not awaited: it waits on the hung supervisord until the client's deadline).
    void env.api('POST', '/v1/reconcile').catch(() => undefined);
    const unknown = await waitFor(
      'Program/flaky to read Unknown',
      async () => {
        const st = await env.resource('Program/flaky');
        return st?.phase === 'Unknown' ? st : undefined;
      },
      150_000,
    );
    process.kill(svPid, 'SIGCONT');
    assert.equal(readyOf(unknown)?.reason, 'SupervisordUnreachable');
    assert.match(readyOf(unknown)?.message ?? '', /cannot reach supervisord|did not answer/);
    assert.equal((unknown.outputs as Record<string, unknown>).pids, '');
  },
);
