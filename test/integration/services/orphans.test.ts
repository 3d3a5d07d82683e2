// Orphaned workers are found only by all three facts together (a worker's title, one of the
// service's listening sockets, no live master as parent), then stopped gracefully and by force.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import { createRealHost } from '../../../src/host/index.js';
import { findOrphans, listeningTcpInodes, stopOrphans } from '../../../src/drivers/health/orphans.js';
import { freePort } from '../../helpers/e2e.js';

/** A node process titled `title` that listens on `port` (or not) and may ignore SIGQUIT. */
function fake(title: string, port: number | undefined, ignoreQuit = false): Promise<ChildProcess> {
  const code = `${ignoreQuit ? "process.on('SIGQUIT', () => {});" : ''}
    ${port ? `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('up'));` : "console.log('up');"}
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', code], { argv0: title, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => child.stdout!.once('data', () => resolve(child)));
}

const query = (port: number) => ({
  title: /^nginx: (worker|cache manager|cache loader) process/,
  masterTitle: /^nginx: master process/,
  tcpPorts: [port],
});

test('a worker-titled process holding the port is an orphan; a name or a socket alone is not', async (t) => {
  const host = createRealHost();
  const [port, other] = [await freePort(), await freePort()];
  const orphan = await fake('nginx: worker process', port, true);
  const nameOnly = await fake('nginx: worker process', undefined);
  const socketOnly = await fake('node-server', other);
  t.after(() => [orphan, nameOnly, socketOnly].forEach((c) => c.kill('SIGKILL')));

  const found = await findOrphans(host, query(port));
  assert.deepEqual(
    found.map((o) => o.pid),
    [orphan.pid],
  );
  assert.deepEqual(await findOrphans(host, query(other)), [], 'a title alone or a socket alone is no orphan');

  // It ignores QUIT, so the grace runs out and SIGKILL follows.
  const how = await stopOrphans(host, found, 'SIGQUIT', 300);
  assert.match(how, /stopped 1 orphaned worker\(s\) .* 1 by SIGKILL after 300 ms/);
  await new Promise((r) =>
    orphan.exitCode !== null || orphan.signalCode !== null ? r(undefined) : orphan.once('exit', r),
  );
  assert.equal(orphan.signalCode, 'SIGKILL');
  assert.equal(nameOnly.exitCode, null, 'the namesake without our socket lives');
});

test('listeningTcpInodes reads only LISTEN sockets on the asked ports', () => {
  const text = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1
   1: 0100007F:1F90 0100007F:E418 01 00000000:00000000 00:00000000 00000000     0        0 222 1
   2: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1`;
  assert.deepEqual([...listeningTcpInodes(text, new Set([8080]))], ['111']);
});
