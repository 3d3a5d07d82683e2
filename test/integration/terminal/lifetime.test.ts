// How sessions end: disconnect, idle timeout (from input, not output), maximum duration and server
// stop each reap the whole process tree, including background jobs and a job that ignores SIGHUP.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alive, expectGone, expectOutput, killLeftovers, spec, startServer, type } from './harness.js';
import { waitFor, type TestSocket } from './ws-client.js';

/** Starts a background grandchild and a SIGHUP-immune one; returns their pids. */
async function startJobs(ws: TestSocket): Promise<number[]> {
  type(ws, 'sleep 1000 & echo "bg1=$!"; nohup sleep 1001 >/dev/null 2>&1 & echo "bg2=$!"');
  return [Number(await expectOutput(ws, /bg1=(\d+)\r?\n/)), Number(await expectOutput(ws, /bg2=(\d+)\r?\n/))];
}

test('a disconnect reaps the shell and every job, even one that ignores SIGHUP', async (t) => {
  const h = await startServer(t);
  const jobs: number[] = [];
  killLeftovers(t, () => [...h.spawned, ...jobs]);
  const ws = await h.open();
  jobs.push(...(await startJobs(ws)));
  assert.ok(jobs.every((pid) => alive(pid)));
  ws.destroy();
  await expectGone([...h.spawned, ...jobs]);
  await waitFor(() => h.events.some((e) => e.type === 'closed' && e.reason === 'disconnect'));
});

test('the idle timeout counts input only: output alone does not keep a session open', async (t) => {
  const h = await startServer(t, spec({ idleTimeout: '1s' }));
  const jobs: number[] = [];
  killLeftovers(t, () => [...h.spawned, ...jobs]);
  const ws = await h.open();
  jobs.push(...(await startJobs(ws)));
  // A steady stream of output, which must not count as activity.
  type(ws, 'while true; do echo tick; sleep 0.2; done');
  const closed = await ws.closed;
  assert.equal(closed.code, 4000);
  assert.match(closed.reason, /idle/);
  await expectGone([...h.spawned, ...jobs]);
  await waitFor(() => h.events.some((e) => e.type === 'closed' && e.reason === 'idle'));
});

test('input keeps an idle-limited session open', async (t) => {
  const h = await startServer(t, spec({ idleTimeout: '1s' }));
  killLeftovers(t, () => h.spawned);
  const ws = await h.open();
  for (let i = 0; i < 8; i++) {
    type(ws, `: ${i}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.equal(h.server.status().sessions.length, 1, 'the session survived 2.4 s of typing');
  assert.ok(h.server.status().sessions[0]!.lastInputAt > h.server.status().sessions[0]!.startedAt);
});

test('maxSessionDuration ends even an active session', async (t) => {
  const h = await startServer(t, spec({ maxSessionDuration: '1s' }));
  killLeftovers(t, () => h.spawned);
  const ws = await h.open();
  const typing = setInterval(() => type(ws, ':'), 200);
  t.after(() => clearInterval(typing));
  const closed = await ws.closed;
  clearInterval(typing);
  assert.equal(closed.code, 4001);
  await expectGone(h.spawned);
});

test('stop() ends every session and reaps every process', async (t) => {
  const h = await startServer(t, spec({ maxSessions: 3 }));
  const jobs: number[] = [];
  killLeftovers(t, () => [...h.spawned, ...jobs]);
  const sockets = [await h.open(), await h.open()];
  for (const ws of sockets) jobs.push(...(await startJobs(ws)));
  await h.server.stop();
  for (const ws of sockets) assert.equal((await ws.closed).code, 4002);
  for (const pid of [...h.spawned, ...jobs]) assert.equal(alive(pid), false, `pid ${pid} survived stop()`);
  assert.equal(h.server.status().url, undefined);
  assert.equal(h.server.status().sessions.length, 0);
});

test('update: a mode change applies at once, a user change ends running sessions', async (t) => {
  const s = spec();
  const h = await startServer(t, s);
  killLeftovers(t, () => h.spawned);
  const ws = await h.open();
  await h.server.update({ ...s, mode: 'read-only' });
  assert.equal(h.server.status().sessions[0]?.mode, 'read-only');
  await h.server.update({ ...s, mode: 'read-only', shell: '/bin/sh' });
  assert.equal((await ws.closed).code, 4002);
  await expectGone(h.spawned);
});
