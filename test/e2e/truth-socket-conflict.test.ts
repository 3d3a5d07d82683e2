// Issue 14, item 1 for pool sockets: a process tend does not manage already listens on the unix
// socket a new Pool would get. php-fpm would unlink it and bind its own, stealing the socket: tend
// holds the Pool (and the Site pointing at it) back as SocketConflict naming that process, which
// keeps serving its clients; once the foreign listener is gone, the same Pool converges by itself.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { embeddedLayout } from '../../src/layout/layout.js';
import { httpGet, phpSiteYaml, poolYaml } from '../helpers/e2e.js';
import { serveEnv, waitFor } from './serve-harness.js';
import { release } from '../faults/fault-helpers.js';

interface Status {
  phase: string;
  conditions: { type: string; status: string; reason: string; message: string }[];
  lastError?: { code: string; message: string };
}

/** A unix-socket server tend does not manage: answers "foreign" to whoever connects. */
async function foreignListener(t: { after: (fn: () => void) => void }, path: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('net').createServer((c) => c.end('foreign\\n')).listen(${JSON.stringify(path)}, () => console.log('listening'))`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => void child.kill('SIGKILL'));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(`a foreign listener on ${path}`, () => out.includes('listening') || child.exitCode !== null);
  assert.ok(out.includes('listening'), `could not listen on ${path}`);
  return child;
}

/** What a client of the socket reads: the foreign server's answer while it still owns the path. */
function readSocket(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const s = connect(path);
    s.on('data', (d) => (got += d.toString()));
    s.on('end', () => resolve(got));
    s.on('error', reject);
    s.setTimeout(5_000, () => s.destroy(new Error('no answer')));
  });
}

const condition = (s: Status, type: string) => s.conditions.find((c) => c.type === type);

test(
  'a Pool whose socket a foreign process listens on is Failed as SocketConflict, never taken over; it converges once the socket is free',
  { timeout: 300_000 },
  async (t) => {
    const env = await serveEnv(t);
    const layout = embeddedLayout(env.root, { httpPort: env.port });
    for (const name of ['alpha', 'shop']) {
      mkdirSync(join(env.www, name));
      writeFileSync(join(env.www, name, 'index.php'), `<?php echo "${name} php\\n";\n`);
    }
    const pair = (name: string) => `${poolYaml(name)}---\n${phpSiteYaml(name, join(env.www, name))}`;
    env.write('alpha.yaml', pair('alpha'));
    await env.start();
    const serves = async (name: string) => {
      const r = await httpGet(env.port, `${name}.e2e.test`, '/index.php').catch(() => undefined);
      return r?.status === 200 && r.body === `${name} php\n`;
    };
    await waitFor('alpha served by its pool', () => serves('alpha'));

    // Another process listens where Pool/shop's socket would be, before the Pool is declared.
    const socket = layout.php.socket('8.2', 'shop');
    const squatter = await foreignListener(t, socket);
    env.write('shop.yaml', pair('shop'));

    const pool = (await waitFor('Pool/shop held as SocketConflict', async () => {
      const s = (await env.resource('Pool/shop')) as unknown as Status | undefined;
      return s?.lastError?.code === 'TEND_ERR_SOCKET_IN_USE' ? s : undefined;
    })) as Status;
    assert.equal(pool.phase, 'Failed');
    assert.equal(condition(pool, 'Ready')?.reason, 'SocketConflict');
    assert.equal(condition(pool, 'Applied')?.reason, 'SocketConflict');
    assert.match(
      pool.lastError!.message,
      new RegExp(`unix socket ${socket} is already listened on by pid ${squatter.pid} \\(`),
    );
    assert.match(pool.lastError!.message, /a process tend does not manage/);
    // The Site that would point nginx at it is held with it.
    const site = (await env.resource('Site/shop')) as unknown as Status;
    assert.notEqual(site.phase, 'Ready');
    assert.equal(site.lastError?.code, 'TEND_ERR_SOCKET_IN_USE');
    assert.equal(existsSync(join(layout.php.poolDir('8.2'), 'shop.conf')), false, 'no pool file went live');
    assert.equal(existsSync(join(layout.nginx.includeDir, 'shop.conf')), false, 'no vhost points at it');

    // A few resync passes later, the foreign server still owns its socket and the other pool serves.
    await new Promise((r) => setTimeout(r, 5_000));
    assert.equal(await readSocket(socket), 'foreign\n', 'php-fpm did not unlink and steal the socket');
    assert.ok(await serves('alpha'));
    const alpha = (await env.resource('Pool/alpha')) as unknown as Status;
    assert.equal(alpha.phase, 'Ready');

    // The listener gone (its socket file stays behind, stale): the same Pool converges unaided.
    await release(squatter);
    await waitFor('shop served by its own pool', () => serves('shop'), 120_000);
    await waitFor('Pool/shop Ready', async () => {
      const s = (await env.resource('Pool/shop')) as unknown as Status | undefined;
      return s?.phase === 'Ready';
    });
    assert.ok(await serves('alpha'));
  },
);
