// The test port helper: a held port is really taken until handed over, test processes picking
// ports at the same moment never get the same one, and a reserved range keeps single ports off it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORT_RANGE } from '../../../src/state/port-leases.js';
import { freePort, holdPort, reserveRange } from '../../helpers/ports.js';

const canBind = (port: number) =>
  new Promise<boolean>((done) => {
    const s = createServer();
    s.once('error', () => done(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => done(true)));
  });

test('a held port cannot be bound by anyone else until it is handed over', async () => {
  const held = await holdPort();
  assert.equal(await canBind(held.port), false, 'bound while held');
  assert.equal(await held.handOver(), held.port);
  assert.equal(await canBind(held.port), true, 'free once handed over');
});

// 300 handed-over ports each out of 11,000: without the reservation two processes would share
// about eight ports on average (300 * 300 / 11,000), so this fails all but about 1 run in 3,500 if reservations break.
test('ports handed over in two processes at once are never the same, while both live', async () => {
  const helper = fileURLToPath(new URL('../../helpers/ports.js', import.meta.url));
  const script = `const { freePort } = await import(${JSON.stringify(helper)});
    const ports = [];
    for (let i = 0; i < 300; i++) ports.push(await freePort());
    console.log(JSON.stringify(ports));
    process.stdin.resume();
    process.stdin.on('end', () => process.exit(0));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((done) => child.once('exit', done));
  let out = '';
  const printed = new Promise<void>((done) =>
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) done();
    }),
  );
  const mine: number[] = [];
  for (let i = 0; i < 300; i++) mine.push(await freePort());
  await printed;
  const theirs = JSON.parse(out) as number[];
  child.stdin.end();
  assert.equal(await exited, 0);
  assert.equal(theirs.length, 300);
  assert.equal(new Set(mine).size, 300, 'no port twice within one process');
  assert.deepEqual(
    mine.filter((p) => theirs.includes(p)),
    [],
    'no port given to both processes',
  );
});

test("a reserved range lies above the daemons' auto range, and no port handed out later falls in it", async () => {
  const range = await reserveRange(20);
  assert.equal(range.to - range.from, 19);
  assert.ok(range.from > DEFAULT_PORT_RANGE.to, `${range.from} is above tend's port: auto range`);
  for (let p = range.from; p <= range.to; p++) {
    assert.equal(await canBind(p), true, `${p} is free`);
    const owner = readFileSync(join(tmpdir(), 'tend-test-ports', String(p)), 'utf8');
    assert.equal(owner, String(process.pid), `${p} is reserved for this process`);
  }
  const other = await reserveRange(20);
  assert.ok(other.to < range.from || other.from > range.to, 'two ranges never overlap');
  for (let i = 0; i < 300; i++) {
    const port = await freePort();
    assert.ok(port < range.from || port > range.to, `${port} was handed out inside the reserved range`);
  }
});
