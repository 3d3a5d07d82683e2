// A Terminal's status is built from its driver's observation (decision 0048), against real servers:
// a fixed port a foreign process holds is observed as the failed apply and reads PortConflict, not
// Ready; once the port is free, the next apply serves it and the same function reads Ready.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { BuiltinTerminalsDriver } from '../../../src/drivers/index.js';
import { tcpPortHolder } from '../../../src/drivers/health/socket-holders.js';
import { createRealHost } from '../../../src/host/index.js';
import { terminalResource } from '../../../src/model/terminal.js';
import { terminalStatus } from '../../../src/runtime/terminal-status.js';
import { newStatus, setCondition } from '../../../src/state/conditions.js';
import { TerminalManager } from '../../../src/terminal/manager.js';
import { tempDir } from '../../helpers/tmp.js';
import { shellUser } from './harness.js';

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );

test('a Terminal whose fixed port a foreign process holds is observed Failed and reads PortConflict', async (t) => {
  const host = createRealHost();
  const foreign = createServer();
  const port = await listen(foreign);
  t.after(() => foreign.close());
  const manager = new TerminalManager({
    host,
    stateDir: tempDir(t, 'tend-terminal-observed-'),
    portHolder: (p, address) => tcpPortHolder(host, p, address),
  });
  t.after(() => manager.stopAll());
  const driver = new BuiltinTerminalsDriver(manager, { ports: async () => 0 });
  const resource = terminalResource.parse({
    apiVersion: 'tend/v1',
    kind: 'Terminal',
    metadata: { name: 'ops' },
    spec: { user: shellUser, allowRoot: shellUser === 'root', directory: '/tmp', port },
  });
  const applied = setCondition(
    newStatus('Terminal', 'ops', Date.now()),
    { type: 'Applied', status: 'True', reason: 'Applied', message: 'generation g1 is applied' },
    Date.now(),
  );

  const result = await driver.apply({ key: 'Terminal/ops', action: 'create', resource });
  assert.equal(result.error?.code, 'TEND_ERR_PORT_IN_USE');
  const seen = driver.observeOne('ops');
  assert.equal(seen?.phase, 'Failed');
  assert.equal(seen?.error?.code, 'TEND_ERR_PORT_IN_USE');
  assert.deepEqual(driver.observe(), [], 'no server of ours runs');
  const conflict = terminalStatus(applied, seen, Date.now());
  const ready = conflict.conditions.find((c) => c.type === 'Ready')!;
  assert.equal(ready.status, 'False');
  assert.equal(ready.reason, 'PortConflict');
  assert.match(
    ready.message,
    new RegExp(`port ${port} on 127.0.0.1 is already in use by pid ${process.pid}`),
  );
  assert.equal(conflict.phase, 'Failed');

  // The foreign process lets go: the next apply serves the Terminal there, and it reads Ready.
  await new Promise((resolve) => foreign.close(resolve));
  const retried = await driver.apply({ key: 'Terminal/ops', action: 'update', resource });
  assert.equal(retried.error, undefined);
  const served = terminalStatus(conflict, driver.observeOne('ops'), Date.now());
  assert.equal(served.conditions.find((c) => c.type === 'Ready')?.status, 'True');
  assert.equal(served.outputs.port, port);
  assert.equal((await fetch(String(served.outputs.url))).status, 200);
});
