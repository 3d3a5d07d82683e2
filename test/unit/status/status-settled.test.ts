// An idle pass hands back a status that was its own recomputation under the same inputs, without
// computing it again (0055); anything that could change it (a fresh probe, a new generation, an
// outcome, a degraded service, another writer's status) computes it again. The probes hit a local
// HTTP server standing in for nginx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApplyResult } from '../../../src/apply/executor.js';
import { writeStatus, type StatusInput } from '../../../src/status/status-writer.js';
import { createRealHost } from '../../../src/host/index.js';
import { getCondition } from '../../../src/state/conditions.js';
import { StatusStore } from '../../../src/state/status-store.js';
import type { ResourceKey } from '../../../src/model/index.js';
import type { Rendered } from '../../../src/render/types.js';
import { tempDir } from '../../helpers/tmp.js';
import { applyOf, loadOfSites, nginxStandIn } from './status-fixture.js';

async function fixture(t: Parameters<typeof tempDir>[0]) {
  const { layout } = await nginxStandIn(t);
  const store = await StatusStore.load(createRealHost(), tempDir(t));
  let clock = Date.now();
  // What the render memo hands back while a Site's inputs hold: the same objects every pass.
  const rendered: Rendered[] = ['a', 'b'].map((n) => ({
    key: `Site/${n}` as ResourceKey,
    files: [{ path: `${n}.conf`, content: '', mode: 0o644, service: 'nginx', secrets: [] }],
    links: [],
    outputs: { url: `http://${n}.unit.test/` },
  }));
  /** Resources whose status was computed (the runner hook is asked first for every one of them). */
  let computed: string[] = [];
  const pass = async (over: Partial<StatusInput> = {}, generation = 'g1') => {
    computed = [];
    clock += 30_000;
    const { statuses } = await writeStatus({
      layout,
      load: loadOfSites(['a', 'b'], generation),
      rendered,
      apply: applyOf({ 'Site/a': 'no-op', 'Site/b': 'no-op' }),
      store,
      now: () => clock,
      runtimeStatus: (r) => {
        computed.push(`${r.kind}/${r.metadata.name}`);
        return undefined;
      },
      ...over,
    });
    return { statuses, computed };
  };
  // The first pass probes both Sites; the second computes them once more and finds them unchanged.
  await pass();
  await pass();
  return {
    store,
    pass,
    ready: (key: string) => getCondition(store.get(key as ResourceKey)!.conditions, 'Ready'),
  };
}

test('an idle pass hands back settled statuses without computing them again', async (t) => {
  const { store, pass, ready } = await fixture(t);
  assert.equal(ready('Site/a')?.status, 'True', 'the stand-in answered the probe');
  const { statuses, computed } = await pass();
  assert.deepEqual(computed, [], 'nothing recomputed');
  for (const s of statuses) assert.equal(s, store.get(s.key), `${s.key}: the stored status itself`);
});

test('a new generation, an outcome or a degraded service computes the status again', async (t) => {
  const { store, pass, ready } = await fixture(t);
  const gen2 = await pass({}, 'g2');
  assert.deepEqual(gen2.computed, ['Site/a', 'Site/b']);
  assert.equal(store.get('Site/a')!.observedGeneration, 'g2');

  const applied: ApplyResult = applyOf({ 'Site/a': 'update', 'Site/b': 'no-op' });
  const update = await pass({ apply: applied }, 'g2');
  assert.ok(update.computed.includes('Site/a'), 'the applied Site');
  assert.equal(getCondition(store.get('Site/a')!.conditions, 'Applied')?.reason, 'Applied');

  const degraded = await pass({ degradedServices: new Map([['nginx', 'its reload failed']]) }, 'g2');
  assert.deepEqual(degraded.computed.sort(), ['Site/a', 'Site/b']);
  assert.equal(ready('Site/b')?.status, 'False');
  const healthy = getCondition(store.get('Site/b' as ResourceKey)!.conditions, 'Healthy');
  assert.equal(healthy?.reason, 'ServiceDegraded');
});

test('new rendered outputs compute the status again', async (t) => {
  const { store, pass } = await fixture(t);
  const rendered: Rendered[] = ['a', 'b'].map((n) => ({
    key: `Site/${n}` as ResourceKey,
    files: [],
    links: [],
    outputs: { url: `https://${n}.unit.test/` },
  }));
  const { computed } = await pass({ rendered });
  assert.deepEqual(computed.sort(), ['Site/a', 'Site/b']);
  assert.equal(store.get('Site/a' as ResourceKey)!.outputs.url, 'https://a.unit.test/');
});

test('a status another writer replaced is computed again from what it holds', async (t) => {
  const { store, pass } = await fixture(t);
  // The certificate manager records what it sees in the Site's status, outside the status writer.
  const certificate = { source: 'files', serial: '01' };
  store.put({ ...store.get('Site/a' as ResourceKey)!, certificate });
  const replaced = store.get('Site/a' as ResourceKey)!;
  const { computed } = await pass();
  assert.deepEqual(computed, ['Site/a'], 'the replaced status only');
  assert.deepEqual(store.get('Site/a' as ResourceKey)!.certificate, certificate);
  assert.equal(store.get('Site/a' as ResourceKey), replaced, 'it learned nothing new, so it stays');
  assert.deepEqual((await pass()).computed, [], 'and it settles again');
});

test('a fresh probe that fails overrides a settled status', async (t) => {
  const { pass, ready } = await fixture(t);
  // An operator's "probe now" against a port nothing listens on.
  const { embeddedLayout } = await import('../../../src/layout/layout.js');
  const dead = embeddedLayout(tempDir(t), { httpPort: 1 });
  const { computed } = await pass({ layout: dead, probeNow: new Set(['*']) });
  assert.deepEqual(computed.sort(), ['Site/a', 'Site/b']);
  assert.equal(ready('Site/a')?.status, 'False');
});
