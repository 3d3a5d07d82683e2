// The builtin Terminals' RuntimeDriver against real servers: apply(change) starts, reconfigures and
// stops only the Terminal the change names (its token and lease go on delete); observe() reports
// each listening server with its port.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { BuiltinTerminalsDriver } from '../../../src/drivers/index.js';
import { createRealHost } from '../../../src/host/index.js';
import { TerminalManager, type TerminalEvent } from '../../../src/terminal/manager.js';
import { terminalTokenPath } from '../../../src/terminal/token.js';
import { tempDir } from '../../helpers/tmp.js';
import { terminal } from './harness.js';

test('apply(change) acts on the one Terminal it names; observe() shows its server', async (t) => {
  const stateDir = tempDir(t, 'tend-terminal-driver-');
  const manager = new TerminalManager({ host: createRealHost(), stateDir });
  t.after(() => manager.stopAll());
  const events: TerminalEvent[] = [];
  manager.on('event', (e: TerminalEvent) => events.push(e));
  const released: string[] = [];
  const driver = new BuiltinTerminalsDriver(manager, {
    ports: async () => 0,
    released: async (key) => void released.push(key),
  });

  assert.deepEqual(await driver.apply({ key: 'Terminal/a', action: 'create', resource: terminal('a') }), {
    key: 'Terminal/a',
    did: 'start',
  });
  await driver.apply({ key: 'Terminal/b', action: 'create', resource: terminal('b') });
  const seen = driver.observe();
  assert.deepEqual(
    seen.map((o) => o.key),
    ['Terminal/a', 'Terminal/b'],
  );
  assert.ok(
    seen.every((o) => o.phase === 'Ready' && o.instances[0]?.ready && (o.instances[0].port ?? 0) > 0),
  );
  const bPort = seen[1]?.instances[0]?.port;
  const url = manager.status('b')?.url;
  assert.ok(url);
  assert.equal((await fetch(url)).status, 200);

  events.length = 0;
  const updated = await driver.apply({
    key: 'Terminal/a',
    action: 'update',
    resource: terminal('a', { mode: 'read-write' }),
  });
  assert.equal(updated.did, 'none', 'reconfigured in place on the same port');
  assert.deepEqual(
    events.map((e) => `${e.key} ${e.reason}`),
    ['Terminal/a Updated'],
  );

  await driver.apply({ key: 'Terminal/a', action: 'delete' });
  assert.deepEqual(
    driver.observe().map((o) => o.key),
    ['Terminal/b'],
  );
  assert.deepEqual(released, ['Terminal/a']);
  assert.equal(existsSync(terminalTokenPath(stateDir, 'a')), false, 'its token went with it');
  assert.equal(driver.observe()[0]?.instances[0]?.port, bPort, 'b kept its server');
  assert.equal((await fetch(url)).status, 200);
  assert.ok(!events.some((e) => e.key === 'Terminal/b'), 'no event for b');
});

test('a Terminal that cannot be served is an error on its change', async (t) => {
  const stateDir = tempDir(t, 'tend-terminal-driver-');
  const manager = new TerminalManager({ host: createRealHost(), stateDir });
  t.after(() => manager.stopAll());
  const driver = new BuiltinTerminalsDriver(manager, { ports: async () => 0 });
  const result = await driver.apply({
    key: 'Terminal/t',
    action: 'create',
    resource: terminal('t', { backend: 'ttyd' }),
  });
  assert.equal(result.error?.code, 'TEND_ERR_UNSUPPORTED');
  assert.deepEqual(driver.observe(), []);
});
