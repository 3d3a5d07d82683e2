// The built-in terminal with real ptys and real shells: I/O, the user switch, a clean environment,
// read-only mode, and the close codes for shell exit and oversize messages.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import {
  expectGone,
  expectOutput,
  isRoot,
  killLeftovers,
  shellUser,
  spec,
  startServer,
  type,
} from './harness.js';

test('a session with the token runs commands and streams their output', async (t) => {
  const h = await startServer(t);
  killLeftovers(t, () => h.spawned);
  const ws = await h.open();
  assert.equal(ws.controls[0]?.mode, 'read-write');
  type(ws, 'echo hello-$((6*7))-$RANDOM');
  await expectOutput(ws, /hello-42-\d+/);
  type(ws, 'echo "user=$(id -un) dir=$(pwd)"');
  assert.equal(await expectOutput(ws, /user=(\S+) dir=\/tmp/), shellUser);
  assert.equal(h.server.status().sessions.length, 1);
  assert.equal(h.server.status().sessions[0]?.pid, h.spawned[0]);
  ws.close();
  await expectGone(h.spawned);
});

test(
  'the shell runs as the spec user when tend is root, with its groups only',
  { skip: !isRoot },
  async (t) => {
    const h = await startServer(t, spec({ user: 'nobody' }));
    killLeftovers(t, () => h.spawned);
    const ws = await h.open();
    type(ws, 'echo "who=$(id -un):$(id -u):$(id -G)"');
    const who = await expectOutput(ws, /who=(\S+:\d+:[\d ]+?)\r?\n/);
    assert.match(who, /^nobody:65534:/);
    assert.doesNotMatch(who.split(':')[2] ?? '', /\b0\b/, 'root group must not survive the switch');
  },
);

test('the environment is built from nothing: no tend variables reach the shell', async (t) => {
  process.env.TEND_TEST_SECRET = 'must-not-leak';
  t.after(() => delete process.env.TEND_TEST_SECRET);
  const h = await startServer(t);
  killLeftovers(t, () => h.spawned);
  const ws = await h.open();
  type(ws, 'env | sort | sed "s/^/ENV:/"; echo env-done');
  await expectOutput(ws, /\r?\nenv-done/);
  const env = ws.output();
  assert.doesNotMatch(env, /ENV:TEND_TEST_SECRET/);
  assert.match(env, /ENV:TERM=xterm-256color/);
  assert.match(env, new RegExp(`ENV:USER=${shellUser}`));
});

test('read-only mode drops input but keeps the session', async (t) => {
  const h = await startServer(t, spec({ mode: 'read-only' }));
  killLeftovers(t, () => h.spawned);
  const ws = await h.open();
  assert.equal(ws.controls[0]?.mode, 'read-only');
  const marker = `/tmp/tend-ro-${randomBytes(6).toString('hex')}`;
  type(ws, `touch ${marker}`);
  ws.sendJson({ type: 'resize', cols: 100, rows: 30 });
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(existsSync(marker), false, 'input reached the shell in read-only mode');
  assert.equal(h.server.status().sessions.length, 1);
  assert.equal(h.server.status().sessions[0]?.mode, 'read-only');
});

test('typing exit ends the session with 1000 and reaps the background jobs', async (t) => {
  const h = await startServer(t);
  const leftovers: number[] = [];
  killLeftovers(t, () => [...h.spawned, ...leftovers]);
  const ws = await h.open();
  type(ws, 'sleep 1000 & echo "bg=$!"');
  const bg = Number(await expectOutput(ws, /bg=(\d+)\r?\n/));
  leftovers.push(bg);
  type(ws, 'exit');
  const closed = await ws.closed;
  assert.equal(closed.code, 1000);
  await expectGone([bg, ...h.spawned]);
});

test('a message over 64 KiB closes the session with 1009', async (t) => {
  const h = await startServer(t);
  killLeftovers(t, () => h.spawned);
  const ws = await h.open();
  ws.sendJson({ type: 'input', data: 'x'.repeat(70 * 1024) });
  assert.equal((await ws.closed).code, 1009);
  await expectGone(h.spawned);
});

test('a malformed message after auth closes the session with 4400', async (t) => {
  const h = await startServer(t);
  killLeftovers(t, () => h.spawned);
  const ws = await h.open();
  ws.sendJson({ type: 'exec', data: 'id' });
  assert.equal((await ws.closed).code, 4400);
  await expectGone(h.spawned);
});
