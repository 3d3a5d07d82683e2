// supervisord-backend Programs observed each pass through getAllProcessInfo (issue 14, item 5), on
// Debian's supervisord: a program that exits at once goes FATAL and is never Ready; tend restarts it
// (an event says so) and it turns Ready once it can run; a dead supervisord reads Unknown, no pids.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { newStatus, type ResourceStatus } from '../../../src/state/conditions.js';
import { EventLog } from '../../../src/state/events.js';
import { SupervisordProgramsBridge } from '../../../src/runtime/supervisord-programs.js';
import { apply, host, program, startHarness, waitFor } from './harness.js';

test('a FATAL supervisord program is not Ready, tend restarts it with an event, and a dead supervisord reads Unknown', async (t) => {
  const h = await startHarness(t, 'tend-sv-fatal-');
  const gate = join(h.outDir, 'may-run');
  // Exits at once (FATAL after supervisord's retries) until the gate file exists, then stays up.
  const flaky = program('flaky', {
    command: [
      `echo "starting, gate ${gate}"; test -e ${gate} || { echo "no gate: giving up"; exit 2; }; exec sleep 600`,
    ],
    shell: true,
    backoff: { initial: '100ms', max: '1s' },
  });
  await apply(h, { put: [flaky] });
  await waitFor(h, 'flaky FATAL', (o) => o.get('flaky')?.[0]?.state === 'failed', 60_000);

  const starts = () =>
    (readFileSync(join(h.layout.supervisord.logDir, 'flaky.log'), 'utf8').match(/starting, gate/g) ?? [])
      .length;
  const startsBySupervisord = starts();
  const events = await EventLog.open(host, h.layout.stateDir);
  const bridge = new SupervisordProgramsBridge({ layout: h.layout, events });
  const statusOf = (): ResourceStatus => {
    const st = bridge.statusFor(flaky, newStatus('Program', 'flaky', Date.now()));
    assert.ok(st, 'observed this pass');
    return st;
  };

  // The first pass that sees FATAL restarts it at once; it fails again (no gate), and is never Ready.
  const recheck = await bridge.observe([flaky]);
  assert.deepEqual(recheck, ['Program/flaky']);
  const restartEvents = () =>
    events.recent({ key: 'Program/flaky' }).filter((e) => e.reason === 'FatalRestarted');
  assert.equal(restartEvents().length, 1);
  assert.match(restartEvents()[0]!.message, /was FATAL in supervisord: flaky \(Exited too quickly/);
  let st = statusOf();
  assert.notEqual(st.phase, 'Ready');
  assert.match(
    st.conditions.find((c) => c.type === 'Ready')!.message,
    /tend restarted it 1 time\(s\) after FATAL/,
  );
  assert.equal((st.health as { restarts: number }).restarts, 1);

  // supervisord really ran it again: it reaches FATAL a second time, and the status says so.
  await waitFor(h, 'flaky FATAL again', (o) => o.get('flaky')?.[0]?.state === 'failed', 60_000);
  assert.ok(
    starts() > startsBySupervisord,
    `started again after FATAL: ${startsBySupervisord} → ${starts()}`,
  );

  // Now it can run: the next pass restarts it, and a later pass observes RUNNING → Ready with a pid.
  writeFileSync(gate, '');
  await bridge.observe([flaky]);
  assert.equal(restartEvents().length, 2, 'a second FATAL is restarted too (its backoff had passed)');
  assert.match(String((statusOf().health as { logTail?: string }).logTail), /no gate: giving up/);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    await bridge.observe([flaky]);
    if (statusOf().phase === 'Ready') break;
    await host.sleep(200);
  }
  st = statusOf();
  assert.equal(st.phase, 'Ready', JSON.stringify(st.conditions));
  const pid = Number(st.outputs.pids);
  assert.ok(pid > 0 && host.kill(pid, 0), `pid ${st.outputs.pids} is alive`);

  // supervisord killed outright: tend cannot know, so Unknown with the reason, and no stale pids.
  const svPid = Number(
    readFileSync(join(h.layout.supervisord.socket, '..', 'supervisord.pid'), 'utf8').trim(),
  );
  host.kill(svPid, 'SIGKILL');
  for (let i = 0; i < 400 && host.kill(svPid, 0); i++) await host.sleep(25);
  host.kill(pid, 'SIGKILL'); // its orphan, which no supervisord reaps any more
  await bridge.observe([flaky]);
  st = statusOf();
  assert.equal(st.phase, 'Unknown', JSON.stringify(st.conditions));
  const ready = st.conditions.find((c) => c.type === 'Ready')!;
  assert.equal(ready.reason, 'SupervisordUnreachable');
  assert.match(ready.message, /cannot reach supervisord at .*supervisor/);
  assert.equal(st.outputs.pids, '');
});
