// TerminalManager against real servers: start, no-op, update, port change, removal, ttyd refusal,
// bad users, tokens on disk (0600, stable, never in events) and stopAll.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import { isTendError } from '../../../src/errors/catalogue.js';
import { createRealHost } from '../../../src/host/index.js';
import { TerminalManager, type TerminalEvent } from '../../../src/terminal/manager.js';
import { readTerminalToken, terminalTokenPath } from '../../../src/terminal/token.js';
import { tempDir } from '../../helpers/tmp.js';
import { terminal } from './harness.js';
import { connect } from './ws-client.js';

function setup(t: import('node:test').TestContext) {
  const stateDir = tempDir(t, 'tend-terminals-');
  const host = createRealHost();
  const manager = new TerminalManager({ host, stateDir });
  const events: TerminalEvent[] = [];
  manager.on('event', (e: TerminalEvent) => events.push(e));
  t.after(() => manager.stopAll());
  const asked: string[] = [];
  const ports = async (key: string) => {
    asked.push(key);
    return 0;
  };
  return { stateDir, host, manager, events, ports, asked };
}

test('apply starts, keeps, updates and stops servers, with events for each', async (t) => {
  const { stateDir, host, manager, events, ports, asked } = setup(t);
  const first = await manager.apply([terminal('ops')], ports);
  const result = first.get('Terminal/ops');
  assert.ok(result?.ok);
  assert.deepEqual(asked, ['Terminal/ops']);
  assert.equal((await fetch(result.url)).status, 200);
  assert.equal(manager.status('ops')?.sessions.length, 0);
  assert.deepEqual(
    events.map((e) => e.reason),
    ['Started'],
  );

  await manager.apply([terminal('ops')], ports);
  assert.equal(events.length, 1, 'an unchanged spec is a no-op');

  await manager.apply([terminal('ops', { mode: 'read-write' })], ports);
  assert.equal(events.at(-1)?.reason, 'Updated');

  const token = await readTerminalToken(host, stateDir, 'ops');
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.equal(statSync(terminalTokenPath(stateDir, 'ops')).mode & 0o777, 0o600);
  assert.ok(!JSON.stringify(events).includes(token), 'the token never appears in events');

  await manager.apply([], ports);
  assert.equal(events.at(-1)?.reason, 'Stopped');
  assert.equal(manager.status('ops'), undefined);
  assert.equal(await readTerminalToken(host, stateDir, 'ops'), token, 'the token survives a stop');
  await manager.forget('ops');
  await assert.rejects(readTerminalToken(host, stateDir, 'ops'), (e) => isTendError(e, 'TEND_ERR_NOT_FOUND'));
});

test('sessions show up as events and in status; the token from the file opens them', async (t) => {
  const { stateDir, host, manager, events, ports } = setup(t);
  const result = (await manager.apply([terminal('dev', { mode: 'read-write' })], ports)).get('Terminal/dev');
  assert.ok(result?.ok);
  const conn = await connect(result.url);
  assert.ok(conn.ok);
  conn.ws.sendJson({ auth: await readTerminalToken(host, stateDir, 'dev'), cols: 80, rows: 24 });
  const deadline = Date.now() + 10_000;
  while (manager.status('dev')?.sessions.length !== 1 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  assert.equal(manager.status('dev')?.sessions.length, 1);
  await manager.stopAll();
  assert.equal((await conn.ws.closed).code, 4002);
  const reasons = events.map((e) => e.reason);
  for (const r of ['Started', 'SessionOpened', 'SessionClosed', 'Stopped']) assert.ok(reasons.includes(r), r);
});

test('backend ttyd is a config error naming the fix, and other terminals still start', async (t) => {
  const { manager, events, ports } = setup(t);
  const results = await manager.apply([terminal('a', { backend: 'ttyd' }), terminal('b')], ports);
  const a = results.get('Terminal/a');
  assert.ok(a && !a.ok);
  assert.equal(a.error.code, 'TEND_ERR_UNSUPPORTED');
  assert.equal(a.error.kind, 'config');
  assert.match(a.error.message, /ttyd/);
  assert.match(a.error.message, /backend: builtin/);
  assert.ok(results.get('Terminal/b')?.ok);
  assert.ok(events.some((e) => e.key === 'Terminal/a' && e.type === 'Warning' && e.reason === 'Failed'));
});

test('an unknown user, or a user switch without root, fails before listening', async (t) => {
  const { manager, ports } = setup(t);
  const results = await manager.apply(
    [terminal('ghost', { user: 'no-such-user-tend' }), terminal('toor', { user: 'root', allowRoot: true })],
    ports,
  );
  const ghost = results.get('Terminal/ghost');
  assert.ok(ghost && !ghost.ok);
  assert.equal(ghost.error.code, 'TEND_ERR_USER_UNKNOWN');
  if (process.getuid?.() !== 0) {
    const toor = results.get('Terminal/toor');
    assert.ok(toor && !toor.ok);
    assert.equal(toor.error.code, 'TEND_ERR_USER_SWITCH');
  }
});

test('a fixed port is used as given; ports() is asked only for auto', async (t) => {
  const { manager, ports, asked } = setup(t);
  const probe = (await import('node:net')).createServer();
  const port = await new Promise<number>((resolve) =>
    probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)),
  );
  await new Promise((r) => probe.close(r));
  const result = (await manager.apply([terminal('fixed', { port })], ports)).get('Terminal/fixed');
  assert.ok(result?.ok);
  assert.equal(result.url, `http://127.0.0.1:${port}/t/fixed/`);
  assert.deepEqual(asked, []);
});
