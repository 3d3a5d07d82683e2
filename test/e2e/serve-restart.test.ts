// End to end: a SIGKILLed daemon restarted on the same root converges with no duplicate masters or
// program instances and keeps its status; a SIGTERM drains and stops programs gracefully.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpGet, mastersFor, processesMentioning } from '../helpers/e2e.js';
import { programYaml, serveEnv, waitFor } from './serve-harness.js';

type StatusFile = { resources: Record<string, { phase: string; observedGeneration?: string }> };

test('tend serve: SIGKILL and restart converge with no duplicates; status survives; SIGTERM drains', async (t) => {
  const env = await serveEnv(t);
  const docroot = join(env.www, 'site');
  mkdirSync(docroot);
  writeFileSync(join(docroot, 'index.html'), 'site\n');
  env.write(
    'all.yaml',
    `apiVersion: tend/v1
kind: Site
metadata: { name: site }
spec: { domains: [site.e2e.test], preset: static, root: ${docroot} }
---
${programYaml('workers', env.programScript, '  instances: 2\n')}`,
  );
  await env.start();
  const statusPath = join(env.root, 'state/status.json');
  const instances = () => processesMentioning(env.programScript).filter((p) => !p.cmd.includes('bin/tend'));
  await waitFor('2 ready workers', () => {
    const s = JSON.parse(readFileSync(statusPath, 'utf8')) as StatusFile;
    return s.resources['Program/workers']?.phase === 'Ready' && s.resources['Site/site']?.phase === 'Ready';
  });
  const before = JSON.parse(readFileSync(statusPath, 'utf8')) as StatusFile;
  const pids = instances()
    .map((p) => p.pid)
    .sort();
  assert.equal(pids.length, 2);

  env.daemon.proc.kill('SIGKILL');
  await env.daemon.exited;
  await env.start();
  await waitFor('the restarted daemon to report Ready', async () => {
    const r = await env.api('GET', '/v1/resources?phase=Ready');
    return (r.body as { items: unknown[] }).items.length === 2;
  });
  // Adopted, not duplicated: the same two program processes, one nginx master.
  assert.deepEqual(
    instances()
      .map((p) => p.pid)
      .sort(),
    pids,
  );
  assert.equal(mastersFor(env.root).nginx.length, 1);
  assert.equal((await httpGet(env.port, 'site.e2e.test')).body, 'site\n');
  const after = JSON.parse(readFileSync(statusPath, 'utf8')) as StatusFile;
  for (const key of ['Site/site', 'Program/workers'])
    assert.equal(after.resources[key]?.observedGeneration, before.resources[key]?.observedGeneration);

  env.daemon.proc.kill('SIGTERM');
  assert.equal(await env.daemon.exited, 0, env.daemon.log());
  assert.deepEqual(instances(), [], 'programs are stopped on a drain without --keep-programs');
  assert.match(env.daemon.log(), /draining/);
});
