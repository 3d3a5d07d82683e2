// Operator controls against a real `tend serve`: restart/stop/start a native Program (a stop holds
// across resyncs and a daemon restart, and status names who stopped it), suspend/resume a Site
// (drift reported, not healed, until resumed), `spec.suspend: true`, reload, and pause/resume of
// the whole daemon with the plan still previewable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { staticSiteYaml } from '../helpers/e2e.js';
import { alive, programYaml, serveEnv, sleep, waitFor } from './serve-harness.js';

interface Inst {
  index: number;
  pid?: number;
}
type St = {
  phase?: string;
  conditions?: { type: string; status: string; reason: string; message: string }[];
  health?: { instances?: Inst[] };
};

const pids = (st: St | undefined) => (st?.health?.instances ?? []).map((i) => i.pid);
const cond = (st: St | undefined, type: string) => st?.conditions?.find((c) => c.type === type);

test('tend stop holds a Program stopped across resyncs and a daemon restart; restart and start work per instance', async (t) => {
  const env = await serveEnv(t);
  env.write('app.yaml', programYaml('app', env.programScript, '  instances: 2\n'));
  await env.start();
  const ready = (await waitFor('app Ready', async () => {
    const st = (await env.resource('Program/app')) as St | undefined;
    return st?.phase === 'Ready' && pids(st).every((p) => p) ? st : undefined;
  })) as St;
  const [p0, p1] = pids(ready) as [number, number];

  // Mutations need the token.
  const anon = await env.api('POST', '/v1/resources/Program/app/stop', {}, false);
  assert.ok(anon.status === 401 || anon.status === 403, `no token: ${anon.status}`);
  assert.ok(alive(p0) && alive(p1));

  const restart = await env.tend('restart', 'Program/app', '--instance', '1');
  assert.equal(restart.code, 0, restart.stderr + restart.stdout);
  const after = (await waitFor('instance 1 restarted', async () => {
    const st = (await env.resource('Program/app')) as St | undefined;
    const [a, b] = pids(st);
    return a === p0 && b && b !== p1 ? st : undefined;
  })) as St;
  assert.ok(!alive(p1), 'the old instance 1 is gone');
  const p1b = pids(after)[1]!;

  const bad = await env.tend('stop', 'Program/app', '--instance', '7');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--instance: expected 0 to 1/);

  const stop = await env.tend('stop', 'Program/app');
  assert.equal(stop.code, 0, stop.stderr + stop.stdout);
  assert.match(stop.stdout, /phase Stopped/);
  await waitFor('both instances dead', () => !alive(p0) && !alive(p1b));
  const stopped = (await env.resource('Program/app')) as St;
  assert.equal(stopped.phase, 'Stopped');
  assert.match(cond(stopped, 'Stopped')!.message, /every instance stopped by .* via tend stop at 20\d\d-/);

  // Several resyncs (2s each) and an edit that would roll it: it stays stopped.
  env.write('app.yaml', programYaml('app', env.programScript, '  instances: 2\n  env: { V: "2" }\n'));
  await sleep(7_000);
  let st = (await env.resource('Program/app')) as St;
  assert.equal(st.phase, 'Stopped');
  assert.deepEqual(pids(st).filter(Boolean), [], 'no instance was started by a pass');

  // A daemon restart keeps it stopped.
  env.daemon.proc.kill('SIGTERM');
  assert.equal(await env.daemon.exited, 0, env.daemon.log());
  await env.start();
  await sleep(5_000);
  st = (await env.resource('Program/app')) as St;
  assert.equal(st.phase, 'Stopped', JSON.stringify(st));
  assert.deepEqual(pids(st).filter(Boolean), []);

  // Start one instance, then the rest.
  const one = await env.tend('start', 'Program/app', '--instance', '0');
  assert.equal(one.code, 0, one.stderr + one.stdout);
  st = (await waitFor('instance 0 running', async () => {
    const s = (await env.resource('Program/app')) as St | undefined;
    return pids(s)[0] ? s : undefined;
  })) as St;
  assert.equal(pids(st)[1], undefined, 'instance 1 stays stopped');
  assert.equal(cond(st, 'Stopped')?.reason, 'InstancesStopped');
  const all = await env.tend('start', 'Program/app');
  assert.equal(all.code, 0, all.stderr + all.stdout);
  st = (await waitFor('app Ready again', async () => {
    const s = (await env.resource('Program/app')) as St | undefined;
    return s?.phase === 'Ready' && pids(s).every((p) => p) ? s : undefined;
  })) as St;
  assert.equal(cond(st, 'Stopped'), undefined, 'the Stopped condition is gone');
  const controls = await env.api('GET', '/v1/controls');
  assert.deepEqual((controls.body as { stopped: object }).stopped, {});
});

test('tend suspend: drift is reported, not healed, until tend resume; spec.suspend: true; reload', async (t) => {
  const env = await serveEnv(t);
  env.write('s.yaml', staticSiteYaml('s', env.www));
  writeFileSync(join(env.www, 'index.html'), 'hello\n');
  await env.start();
  await waitFor('s Ready', async () => (await env.resource('Site/s'))?.phase === 'Ready');
  const vhost = join(env.root, 'nginx/sites/s.conf');
  const original = readFileSync(vhost, 'utf8');

  const sus = await env.tend('suspend', 'Site/s');
  assert.equal(sus.code, 0, sus.stderr + sus.stdout);
  writeFileSync(vhost, `${original}\n# edited by hand\n`);
  const st = (await waitFor('drift reported on a Suspended Site', async () => {
    const s = (await env.resource('Site/s')) as St | undefined;
    return s?.phase === 'Suspended' && /drift not applied: update/.test(cond(s, 'Suspended')?.message ?? '')
      ? s
      : undefined;
  })) as St;
  assert.match(cond(st, 'Suspended')!.message, /suspended by .* via tend suspend/);
  await sleep(5_000);
  assert.match(readFileSync(vhost, 'utf8'), /edited by hand/, 'the drift was not healed while suspended');
  // Removing it from the desired state does not prune it either.
  env.remove('s.yaml');
  await sleep(5_000);
  assert.ok(existsSync(vhost), 'a suspended Site is not pruned');
  env.write('s.yaml', staticSiteYaml('s', env.www));

  const reload = await env.tend('reload', 'Site/s');
  assert.equal(reload.code, 0, reload.stderr + reload.stdout);
  assert.match(reload.stdout, /nginx reloaded for Site\/s/);

  const res = await env.tend('resume', 'Site/s');
  assert.equal(res.code, 0, res.stderr + res.stdout);
  await waitFor('drift healed after resume', () => readFileSync(vhost, 'utf8') === original);
  await waitFor('s Ready again', async () => (await env.resource('Site/s'))?.phase === 'Ready');

  // spec.suspend: true on a new Site: it is not created, and status says why.
  env.write('n.yaml', staticSiteYaml('n', env.www, '  suspend: true\n'));
  const n = (await waitFor('n Suspended', async () => {
    const s = (await env.resource('Site/n')) as St | undefined;
    return s?.phase === 'Suspended' ? s : undefined;
  })) as St;
  assert.equal(cond(n, 'Suspended')?.reason, 'SuspendedBySpec');
  assert.match(cond(n, 'Suspended')!.message, /drift not applied: create/);
  assert.ok(!existsSync(join(env.root, 'nginx/sites/n.conf')));
});

test('tend serve --paused applies nothing, the plan still previews; tend resume applies; tend pause holds again', async (t) => {
  const env = await serveEnv(t);
  env.write('a.yaml', staticSiteYaml('a', env.www));
  await env.start(['--paused']);
  const plan = await env.tend('reconcile', '--plan');
  assert.equal(plan.code, 2, plan.stderr + plan.stdout);
  assert.match(plan.stdout, /Site\/a/);
  const served = await env.api('GET', '/v1/plan');
  assert.equal((served.body as { summary: { create: number } }).summary.create, 1);
  await sleep(5_000);
  assert.ok(!existsSync(join(env.root, 'nginx/sites/a.conf')), 'nothing applied while paused');
  const state = await env.api('GET', '/v1/controls');
  assert.match(JSON.stringify((state.body as { paused: unknown }).paused), /tend serve --paused/);

  const resume = await env.tend('resume');
  assert.equal(resume.code, 0, resume.stderr + resume.stdout);
  await waitFor('a applied', () => existsSync(join(env.root, 'nginx/sites/a.conf')));

  const pause = await env.tend('pause');
  assert.equal(pause.code, 0, pause.stderr + pause.stdout);
  env.write('b.yaml', staticSiteYaml('b', env.www));
  await waitFor('the plan shows b', async () => {
    const p = await env.tend('reconcile', '--plan');
    return p.code === 2 && /Site\/b/.test(p.stdout);
  });
  await sleep(5_000);
  assert.ok(!existsSync(join(env.root, 'nginx/sites/b.conf')), 'b is not applied while paused');
  // A restart keeps the pause.
  env.daemon.proc.kill('SIGTERM');
  assert.equal(await env.daemon.exited, 0, env.daemon.log());
  await env.start();
  await sleep(4_000);
  assert.ok(!existsSync(join(env.root, 'nginx/sites/b.conf')), 'still paused after a restart');
  assert.equal((await env.tend('resume')).code, 0);
  await waitFor('b applied', () => existsSync(join(env.root, 'nginx/sites/b.conf')));
});
