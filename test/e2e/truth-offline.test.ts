// Lifecycles that end (issue 14 item 4), on real nginx and the native supervisor through `tend serve`
// and the CLI: a held-back Site that is deleted leaves status, the API and metrics (also across a
// restart); a stopped daemon's Programs read Unknown offline, with when it was last seen; a one-shot
// reconcile says Programs run under tend serve and shows them Pending.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { e2eEnv, freePort, httpGet, staticSiteYaml } from '../helpers/e2e.js';
import { holdPort } from '../faults/fault-helpers.js';
import { programYaml, serveEnv, waitFor, type ServeEnv } from './serve-harness.js';

interface Status {
  key: string;
  phase: string;
  conditions: { type: string; status: string; reason: string; message: string }[];
  outputs: Record<string, unknown>;
  lastError?: { code: string };
}

const metricsText = async (env: ServeEnv) => {
  const r = await env.api('GET', '/metrics');
  assert.equal(r.status, 200);
  return String(r.body);
};

const stopDaemon = async (env: ServeEnv) => {
  env.daemon.proc.kill('SIGTERM');
  assert.equal(await env.daemon.exited, 0, env.daemon.log());
};

const offline = async (env: ServeEnv): Promise<Status[]> => {
  const r = await env.status('--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Status[];
};

test(
  'a held-back Site that is deleted leaves status, the API and metrics, across a restart too',
  { timeout: 300_000 },
  async (t) => {
    const env = await serveEnv(t);
    const roots = Object.fromEntries(
      ['alpha', 'taken'].map((name) => {
        const dir = join(env.www, name);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'index.html'), `${name}\n`);
        return [name, dir];
      }),
    );
    env.write('alpha.yaml', staticSiteYaml('alpha', roots.alpha!));
    await env.start();
    await waitFor(
      'alpha served',
      async () => (await httpGet(env.port, 'alpha.e2e.test').catch(() => undefined))?.status === 200,
    );

    // Held back: another process holds the port the Site asks nginx to listen on.
    const busy = await freePort();
    await holdPort(t, busy);
    env.write('taken.yaml', staticSiteYaml('taken', roots.taken!, `  listenPort: ${busy}\n`));
    await waitFor('Site/taken held back', async () => {
      const s = (await env.resource('Site/taken')) as unknown as Status | undefined;
      return s?.lastError?.code === 'TEND_ERR_PORT_IN_USE';
    });
    assert.notEqual(((await env.resource('Site/taken')) as unknown as Status).phase, 'Ready');
    assert.match(await metricsText(env), /^tend_resource_info\{kind="Site",name="taken",/m);

    // Deleted: it leaves every view once the deletion is applied.
    env.remove('taken.yaml');
    await waitFor(
      'Site/taken gone from the API',
      async () => (await env.resource('Site/taken')) === undefined,
    );
    const gone = async (where: string) => {
      const list = await env.api('GET', '/v1/resources');
      const keys = (list.body as { items: { key: string }[] }).items.map((i) => i.key);
      assert.deepEqual(keys, ['Site/alpha'], `${where}: the API lists only alpha`);
      assert.doesNotMatch(await metricsText(env), /name="taken"/, `${where}: metrics`);
      assert.match(await metricsText(env), /^tend_resource_info\{kind="Site",name="alpha",phase="Ready",/m);
      const viaCli = await env.status('--json');
      assert.deepEqual(
        (JSON.parse(viaCli.stdout) as Status[]).map((s) => s.key),
        ['Site/alpha'],
        `${where}: tend status`,
      );
    };
    await gone('running');

    await stopDaemon(env);
    assert.deepEqual(
      (await offline(env)).map((s) => s.key),
      ['Site/alpha'],
      'offline status',
    );
    await env.start();
    await gone('after a restart');
  },
);

test(
  'the daemon stopped: offline status reads its Programs Unknown, with when tend serve was last seen',
  { timeout: 300_000 },
  async (t) => {
    const env = await serveEnv(t);
    env.write('web.yaml', programYaml('web', env.programScript));
    await env.start();
    const live = (await waitFor('Program/web Ready', async () => {
      const s = (await env.resource('Program/web')) as unknown as Status | undefined;
      return s?.phase === 'Ready' ? s : undefined;
    })) as Status;
    const pids = String(live.outputs.pids ?? '');
    assert.match(pids, /^\d+/);

    const stoppedAt = new Date().toISOString();
    await stopDaemon(env);
    const [web] = await offline(env);
    assert.equal(web?.key, 'Program/web');
    assert.equal(web.phase, 'Unknown', JSON.stringify(web));
    const ready = web.conditions.find((c) => c.type === 'Ready')!;
    assert.equal(ready.status, 'Unknown');
    assert.equal(ready.reason, 'ServeNotRunning');
    const seen = /^tend serve is not running \(last seen (\S+)\)$/.exec(ready.message);
    assert.ok(seen, ready.message);
    assert.ok(seen[1]! >= stoppedAt, `last seen ${seen[1]} is the stop, after ${stoppedAt}`);
    assert.ok(!JSON.stringify(web).includes(pids), 'no pid of the last live state');
    assert.notEqual(web.conditions.find((c) => c.type === 'Healthy')?.status, 'True');

    const table = await env.status();
    assert.match(
      table.stdout,
      /^Program\/web\s+Unknown\s+Unknown\s+\S+\s+tend serve is not running \(last seen /m,
    );
    const detail = await env.status('Program/web');
    assert.match(detail.stdout, /Phase:\s+Unknown/);
  },
);

test(
  'a one-shot reconcile says Programs run under tend serve and shows them Pending',
  { timeout: 300_000 },
  async (t) => {
    const env = await e2eEnv(t, 'tend-e2e-oneshot-');
    const script = join(env.base, 'idle.mjs');
    writeFileSync(script, 'setInterval(() => {}, 1 << 30);\n');
    env.write('web.yaml', programYaml('web', script));
    const r = await env.reconcile();
    assert.match(
      r.stdout,
      /Programs and Terminals run under tend serve: Program\/web is Pending until tend serve runs on this root\./,
    );
    assert.match(r.stdout, /Program\/web\s+Pending\s+Programs run under tend serve/);
    const statuses = JSON.parse((await env.status('--json')).stdout) as Status[];
    const web = statuses.find((s) => s.key === 'Program/web');
    assert.ok(web, JSON.stringify(statuses));
    // Offline, `tend status` says the daemon is not running; the stored status says why it waits.
    assert.equal(web.phase, 'Unknown');
    assert.match(
      web.conditions.find((c) => c.type === 'Ready')!.message,
      /tend serve is not running \(last seen never on this root\)/,
    );
    const stored = (await env.reconcile('--json')).stdout;
    const fromReconcile = (JSON.parse(stored) as { statuses: Status[] }).statuses.find(
      (s) => s.key === 'Program/web',
    )!;
    assert.equal(fromReconcile.phase, 'Pending');
    const ready = fromReconcile.conditions.find((c) => c.type === 'Ready')!;
    assert.equal(ready.status, 'Unknown');
    assert.equal(ready.reason, 'RunsUnderServe');
    assert.match(ready.message, /^Programs run under tend serve/);
  },
);
