// A pass whose statuses learned nothing returns the statuses the store already holds, not fresh
// copies: the daemon keeps a pass's result until the next one, and 2,000 copies kept that long were
// promoted out of V8's young generation and collected by a mark-compact every resync (0053).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApplyResult } from '../../../src/apply/executor.js';
import { writeStatus } from '../../../src/status/status-writer.js';
import { createRealHost } from '../../../src/host/index.js';
import { embeddedLayout } from '../../../src/layout/layout.js';
import { siteResource } from '../../../src/model/site.js';
import type { ResourceKey } from '../../../src/model/index.js';
import type { LoadResult } from '../../../src/source/index.js';
import { StatusStore } from '../../../src/state/status-store.js';
import { tempDir } from '../../helpers/tmp.js';

const site = (name: string) =>
  siteResource.parse({
    apiVersion: 'tend/v1',
    kind: 'Site',
    metadata: { name },
    spec: { domains: [`${name}.unit.test`], preset: 'static', root: '/srv/x' },
  });

const loadOf = (generation: string): LoadResult => ({
  ok: true,
  resources: ['a', 'b'].map((n) => ({
    resource: site(n),
    key: `Site/${n}` as ResourceKey,
    file: `${n}.yaml`,
    line: 1,
    col: 1,
    generation,
  })),
  errors: [],
  unknownFiles: [],
  unknownKeys: [],
  invalidKeys: [],
  files: [],
});

const unchanged: ApplyResult = {
  outcomes: [
    { key: 'Site/a' as ResourceKey, action: 'no-op', status: 'unchanged' },
    { key: 'Site/b' as ResourceKey, action: 'no-op', status: 'unchanged' },
  ],
  reloads: [],
  validations: 0,
  durationMs: 1,
};

test('a pass that learned nothing returns the stored statuses; a changed fact returns the new one', async (t) => {
  // nginx's stand-in: every probe is answered.
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const layout = embeddedLayout(tempDir(t), { httpPort: (server.address() as AddressInfo).port });
  const store = await StatusStore.load(createRealHost(), tempDir(t));
  let clock = Date.now();
  const pass = (generation: string) =>
    writeStatus({
      layout,
      load: loadOf(generation),
      rendered: [],
      apply: unchanged,
      store,
      now: () => clock,
    });

  const first = (await pass('g1')).statuses;
  assert.deepEqual(
    first.map((s) => s.key),
    ['Site/a', 'Site/b'],
  );
  clock += 5_000;
  const second = (await pass('g1')).statuses;
  for (const [i, s] of second.entries()) {
    assert.equal(s, store.get(s.key), `${s.key}: the stored status itself`);
    assert.equal(s, first[i], `${s.key}: nothing new was learned, so nothing new was kept`);
  }

  clock += 5_000;
  const third = (await pass('g2')).statuses;
  for (const [i, s] of third.entries()) {
    assert.notEqual(s, second[i], `${s.key}: a new generation is a new status`);
    assert.equal(s, store.get(s.key));
    assert.equal(s.observedGeneration, 'g2');
  }
});
