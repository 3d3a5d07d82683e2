// Offline status: without a daemon, Programs and Terminals read Unknown with when tend serve was
// last seen; Sites and Pools keep what the last pass wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRealHost } from '../../../src/host/index.js';
import { newStatus, setCondition } from '../../../src/state/conditions.js';
import {
  offlineStatusSource,
  offlineView,
  recordServeStopped,
  serveLastSeen,
} from '../../../src/state/offline-status.js';
import { fileStatusSource } from '../../../src/state/status-source.js';
import { StatusStore } from '../../../src/state/status-store.js';
import { tempDir } from '../../helpers/tmp.js';

const host = createRealHost();
const T = '2026-01-01T10:00:00.000Z';

const readyProgram = () => ({
  ...setCondition(
    setCondition(
      newStatus('Program', 'web', T),
      { type: 'Healthy', status: 'True', reason: 'Running', message: 'pid 4242' },
      T,
    ),
    { type: 'Ready', status: 'True', reason: 'Running', message: 'running, pid 4242' },
    T,
  ),
  outputs: { pid: 4242, port: 3001 },
  health: { pid: 4242 },
});

test('a Ready Program reads Unknown without its pids; a Site keeps its phase', () => {
  const v = offlineView(readyProgram(), '2026-01-01T11:00:00.000Z');
  assert.equal(v.phase, 'Unknown');
  const ready = v.conditions.find((c) => c.type === 'Ready')!;
  assert.equal(ready.status, 'Unknown');
  assert.equal(ready.message, 'tend serve is not running (last seen 2026-01-01T11:00:00.000Z)');
  assert.equal(v.conditions.find((c) => c.type === 'Healthy')?.status, 'Unknown');
  assert.deepEqual(v.outputs, {});
  assert.equal(v.health, undefined);
  assert.doesNotMatch(JSON.stringify(v), /4242/);
  const site = setCondition(
    newStatus('Site', 'shop', T),
    { type: 'Ready', status: 'True', reason: 'Ready', message: 'ok' },
    T,
  );
  assert.equal(offlineView(site, 'x'), site);
});

test('last seen: the clean stop, a start that never stopped cleanly, or never', async (t) => {
  const stateDir = tempDir(t);
  assert.equal(await serveLastSeen(host, stateDir), 'never on this root');
  await recordServeStopped(host, stateDir, new Date('2026-01-01T12:00:00.000Z'));
  assert.equal(await serveLastSeen(host, stateDir), '2026-01-01T12:00:00.000Z');
  // A later daemon that died without stopping left its api.json behind.
  writeFileSync(
    join(stateDir, 'api.json'),
    JSON.stringify({ pid: 1, url: 'x', tokenFile: 'y', since: '2026-01-02T08:00:00.000Z' }),
  );
  assert.equal(
    await serveLastSeen(host, stateDir),
    '2026-01-02T08:00:00.000Z or later; it did not stop cleanly',
  );
});

test('the offline source filters on the phase it shows, not the stored one', async (t) => {
  const stateDir = join(tempDir(t), 'state');
  mkdirSync(stateDir);
  const store = await StatusStore.load(host, stateDir);
  store.put(readyProgram());
  await store.save();
  const source = offlineStatusSource(host, stateDir, fileStatusSource(host, stateDir));
  assert.deepEqual(await source.list({ phase: 'Ready' }), []);
  assert.deepEqual(
    (await source.list({ phase: 'Unknown' })).map((s) => s.key),
    ['Program/web'],
  );
  const detail = await source.get('Program/web');
  assert.equal(detail?.phase, 'Unknown');
  assert.deepEqual(detail?.outputs, {});
});
