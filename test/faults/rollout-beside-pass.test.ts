// Fault: a Program rollout that takes half a minute (three instances that ignore SIGTERM, each
// stopped only by the KILL after the default 10 s timeout). A Site edit saved during it must be
// served long before the rollout finishes, the Program must report its rollout in progress, and the
// rollout must then complete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpGet, staticSiteYaml } from '../helpers/e2e.js';
import { startChecker, untrackedFiles } from '../helpers/checker.js';
import { serveEnv, waitFor } from '../e2e/serve-harness.js';

type Status = {
  phase?: string;
  health?: { rollout?: { updated: number; desired: number }; instances?: { pid?: number }[] };
  conditions?: { type: string; status: string; message: string }[];
};

// Ignores SIGTERM; the harness kills whatever mentions this script when the test ends.
const IGNORE_TERM = `process.on('SIGTERM', () => {});
setInterval(() => {}, 1000);
`;

const programYaml = (script: string, version: string) => `apiVersion: tend/v1
kind: Program
metadata: { name: stubborn }
spec:
  command: [${process.execPath}, ${script}]
  user: nobody
  instances: 3
  startSeconds: 0
  env: { VERSION: "${version}" }
`;

test('a Program rollout runs beside the pass: a Site edit is served while it rolls', async (t) => {
  const env = await serveEnv(t);
  writeFileSync(env.programScript, IGNORE_TERM);
  const docroot = join(env.www, 'edge');
  mkdirSync(docroot);
  writeFileSync(join(docroot, 'index.html'), 'edge site\n');
  env.write('edge.yaml', staticSiteYaml('edge', docroot));
  env.write('stubborn.yaml', programYaml(env.programScript, '1'));
  await env.start();
  const program = async () => (await env.resource('Program/stubborn')) as Status | undefined;
  const pidsOf = (s: Status | undefined) => (s?.health?.instances ?? []).map((i) => i.pid).sort();
  const first = await waitFor('three instances Ready', async () => {
    const s = await program();
    return s?.phase === 'Ready' && pidsOf(s).length === 3 ? s : undefined;
  });
  const checker = startChecker(env.port, [{ host: 'edge.e2e.test', marker: 'edge site' }]);
  t.after(() => checker.stop());
  await checker.healthy(30_000);

  env.write('stubborn.yaml', programYaml(env.programScript, '2'));
  await waitFor('the rollout to start', async () => (await program())?.health?.rollout !== undefined);
  const savedAt = Date.now();
  env.write('edge.yaml', staticSiteYaml('edge', docroot, '  headers: { X-Edited: "during-rollout" }\n'));
  await waitFor(
    'the Site edit served',
    async () => (await httpGet(env.port, 'edge.e2e.test')).headers['x-edited'] === 'during-rollout',
  );
  const servedMs = Date.now() - savedAt;
  const during = await program();
  // The ordering this guarantees: the edit is live while the Program still reports its rollout.
  assert.ok(during?.health?.rollout, `the rollout is still in progress: ${JSON.stringify(during)}`);
  assert.equal(during.phase, 'Progressing');
  const reconciling = during.conditions?.find((c) => c.type === 'Reconciling');
  assert.equal(reconciling?.status, 'True');
  assert.match(reconciling?.message ?? '', /rolling out generation/);
  t.diagnostic(`Site edit served ${servedMs} ms after saving, during the rollout`);

  const done = await waitFor(
    'the rollout to complete',
    async () => {
      const s = await program();
      return s?.phase === 'Ready' && !s.health?.rollout ? s : undefined;
    },
    120_000,
  );
  const before = new Set(pidsOf(first));
  assert.equal(pidsOf(done).length, 3);
  assert.ok(
    pidsOf(done).every((pid) => !before.has(pid)),
    'every instance was replaced',
  );
  const events = (await env.api('GET', '/v1/resources/Program/stubborn')).body as {
    events: { reason: string }[];
  };
  const reasons = events.events.map((e) => e.reason);
  assert.ok(reasons.includes('RolloutStarted') && reasons.includes('RolledOut'), reasons.join(','));
  await checker.healthy(30_000);
  assert.deepEqual(checker.failures, [], 'the Site served throughout');
  assert.deepEqual(untrackedFiles(env.root), []);
});
