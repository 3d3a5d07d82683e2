// Issue 14, item 3: validation refuses what nginx's worker user (www-data) cannot reach. A Site
// root under a 0700 folder (a mkdtemp dir) is a located error at its `root:` line, in `tend validate`
// and in the daemon, where the Site is Failed while the others serve; opening the folder (0711)
// makes it valid with no file edited. A root (state and pool sockets) below such a folder is a
// startup error. Real directories, real modes, real accounts, real nginx and php-fpm.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, collect, e2eEnv, httpGet, staticSiteYaml, webBaseArgs } from '../helpers/e2e.js';
import { serveEnv, waitFor } from './serve-harness.js';

interface Status {
  phase: string;
  conditions: { type: string; status: string; reason: string; message: string }[];
}

/** A document root under a folder only root may enter, as a mkdtemp dir is. */
function hiddenRoot(www: string, name: string): { folder: string; root: string } {
  const folder = join(www, `${name}-private`);
  const root = join(folder, 'docs');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'index.html'), `${name}\n`);
  chmodSync(folder, 0o700);
  return { folder, root };
}

test('tend validate refuses a Site root under a 0700 folder at its root: line; 0711 makes it valid', async (t) => {
  const env = await e2eEnv(t);
  const { folder, root } = hiddenRoot(env.www, 'hidden');
  mkdirSync(join(env.www, 'open'));
  env.write('open.yaml', staticSiteYaml('open', join(env.www, 'open')));
  env.write('hidden.yaml', staticSiteYaml('hidden', root));
  const validate = () =>
    collect(
      spawn(process.execPath, [BIN, 'validate', '-d', env.ds, ...webBaseArgs(env.base)], {
        env: { ...process.env, NO_COLOR: '1' },
        stdio: 'pipe',
      }),
    );

  const refused = await validate();
  assert.equal(refused.code, 1, refused.stdout + refused.stderr);
  // staticSiteYaml puts `root:` on line 7, its value at column 9.
  assert.match(
    refused.stdout,
    new RegExp(
      `^hidden\\.yaml:7:9: Site/hidden: spec\\.root: nginx's worker user www-data cannot enter ${folder} \\(mode 0700\\), a parent of root ${root}`,
      'm',
    ),
  );
  assert.doesNotMatch(refused.stdout, /open\.yaml/, 'a reachable root is not refused');

  chmodSync(folder, 0o711);
  const valid = await validate();
  assert.equal(valid.code, 0, valid.stdout + valid.stderr);
  assert.match(valid.stdout, /^ok: 2 resources valid/m);
});

test(
  'the daemon holds a Site under a 0700 folder as Failed with file:line while others serve; 0711 lets it converge',
  { timeout: 300_000 },
  async (t) => {
    const env = await serveEnv(t);
    const { folder, root } = hiddenRoot(env.www, 'hidden');
    mkdirSync(join(env.www, 'open'));
    writeFileSync(join(env.www, 'open', 'index.html'), 'open\n');
    env.write('open.yaml', staticSiteYaml('open', join(env.www, 'open')));
    env.write('hidden.yaml', staticSiteYaml('hidden', root));
    await env.start();
    const serves = async (name: string) => {
      const r = await httpGet(env.port, `${name}.e2e.test`).catch(() => undefined);
      return r?.status === 200 && r.body === `${name}\n`;
    };
    await waitFor('open served', () => serves('open'));
    const held = (await waitFor('Site/hidden refused', async () => {
      const s = (await env.resource('Site/hidden')) as unknown as Status | undefined;
      return s?.phase === 'Failed' ? s : undefined;
    })) as Status;
    const ready = held.conditions.find((c) => c.type === 'Ready')!;
    assert.equal(ready.status, 'False');
    assert.match(
      ready.message,
      new RegExp(
        `hidden\\.yaml:7:9: spec\\.root: nginx's worker user www-data cannot enter ${folder} \\(mode 0700\\)`,
      ),
    );
    assert.equal(
      (await httpGet(env.port, 'hidden.e2e.test').catch(() => undefined))?.body === 'hidden\n',
      false,
    );

    // No file changes: the folder opened is seen by the next pass (the load is not served from memory).
    chmodSync(folder, 0o711);
    await waitFor('hidden served once its folder opened', () => serves('hidden'), 120_000);
    await waitFor('Site/hidden Ready', async () => {
      const s = (await env.resource('Site/hidden')) as unknown as Status | undefined;
      return s?.phase === 'Ready';
    });
    assert.ok(await serves('open'));
  },
);

test('tend refuses to start on a root below a folder www-data cannot enter; 0711 lets it start', async (t) => {
  const env = await e2eEnv(t);
  // The root (state dir, pool sockets) inside a 0700 folder: nginx could never reach a pool socket.
  const closed = join(env.base, 'closed');
  mkdirSync(closed, { mode: 0o700 });
  chmodSync(closed, 0o700);
  const root = join(closed, 'root');
  const reconcile = () =>
    collect(
      spawn(
        process.execPath,
        [
          BIN,
          'reconcile',
          '-d',
          env.ds,
          '--root',
          root,
          '--http-port',
          String(env.port),
          ...webBaseArgs(env.base),
        ],
        { env: { ...process.env, NO_COLOR: '1' }, stdio: 'pipe' },
      ),
    );
  const refused = await reconcile();
  assert.equal(refused.code, 1, refused.stdout + refused.stderr);
  assert.match(
    refused.stderr,
    new RegExp(
      `TEND_ERR_NOT_TRAVERSABLE.*nginx's worker user www-data cannot enter ${closed} \\(mode 0700\\), on the way to tend's pool socket dir ${root}/run/php`,
    ),
  );

  chmodSync(closed, 0o711);
  const started = await reconcile();
  assert.equal(started.code, 0, started.stdout + started.stderr);
});
