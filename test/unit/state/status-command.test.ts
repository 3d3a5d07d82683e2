import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { CliIO } from '../../../src/cli/io.js';
import {
  formatAge,
  renderStatusDetail,
  resolveStateDir,
  runStatus,
  statusCommand,
} from '../../../src/cli/status.js';
import { isTendError } from '../../../src/errors/catalogue.js';
import { createRealHost } from '../../../src/host/index.js';
import { newStatus, setCondition } from '../../../src/state/conditions.js';
import { EventLog } from '../../../src/state/events.js';
import { StatusStore } from '../../../src/state/status-store.js';
import { tempDir } from '../../helpers/tmp.js';

const host = createRealHost();
const T = Date.parse('2025-03-01T10:00:00.000Z');
const NOW = T + 5 * 60_000;

function captureIO(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: (s) => out.push(s), stderr: (s) => err.push(s), cwd, env: {}, isTTY: false };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

/** A project dir with the default layout: ./desired-state and ./.tend/state beside it. */
async function seed(dir: string) {
  const stateDir = join(dir, '.tend', 'state');
  const store = await StatusStore.load(host, stateDir);
  let site = setCondition(
    newStatus('Site', 'shop', T),
    { type: 'Applied', status: 'True', reason: 'Applied', message: '' },
    T,
  );
  site = setCondition(
    site,
    { type: 'Ready', status: 'True', reason: 'Ready', message: 'serving shop.test' },
    T,
  );
  store.put({
    ...site,
    observedGeneration: 'g1',
    lastAppliedRevision: 'abc123',
    outputs: { url: 'http://shop.test:8080/' },
  });
  const pool = setCondition(
    newStatus('Pool', 'shop', T),
    { type: 'Stalled', status: 'True', reason: 'ValidationFailed', message: 'php-fpm -t failed' },
    T,
  );
  store.put({
    ...pool,
    lastError: {
      code: 'TEND_ERR_VALIDATION_FAILED',
      message: 'pm.max_children\nmust be > 0',
      at: '2025-03-01T10:00:00.000Z',
    },
  });
  store.put(
    setCondition(
      newStatus('Program', 'worker', T),
      { type: 'Reconciling', status: 'True', reason: 'Starting', message: 'waiting for port 3001' },
      T,
    ),
  );
  await store.save();
  const events = await EventLog.open(host, stateDir);
  events.record({
    key: 'Site/shop',
    type: 'Normal',
    reason: 'Applied',
    message: 'vhost written',
    time: '2025-03-01T10:00:00.000Z',
  });
  events.record({
    key: 'Pool/shop',
    type: 'Warning',
    reason: 'ValidationFailed',
    message: 'not for the site',
  });
  await events.flush();
  return stateDir;
}

test('the state dir defaults to .tend/state beside the desired state', () => {
  assert.equal(resolveStateDir({}, '/srv/proj'), '/srv/proj/.tend/state');
  assert.equal(resolveStateDir({ 'desired-state': '/etc/tend/desired' }, '/x'), '/etc/tend/.tend/state');
  assert.equal(resolveStateDir({ root: 'r' }, '/srv/proj'), '/srv/proj/r/state');
  assert.equal(resolveStateDir({ profile: 'system', root: '/tmp/sys' }, '/'), '/tmp/sys/var/lib/tend');
  assert.throws(
    () => resolveStateDir({ profile: 'cloud' }, '/'),
    (e: unknown) => isTendError(e, 'TEND_ERR_USAGE'),
  );
});

test('no status yet tells the operator what to run', async (t) => {
  const c = captureIO(tempDir(t));
  assert.equal(await statusCommand([], c.io), 0);
  assert.equal(c.stdout(), 'No status yet: run tend reconcile\n');
  const j = captureIO(c.io.cwd);
  assert.equal(await statusCommand(['--json'], j.io), 0);
  assert.deepEqual(JSON.parse(j.stdout()), []);
});

test('the table lists every resource with phase, Ready, age and the message that matters', async (t) => {
  const dir = tempDir(t);
  await seed(dir);
  const c = captureIO(dir);
  assert.equal(await runStatus([], c.io, { now: () => NOW }), 0);
  const rows = c.stdout().trimEnd().split('\n');
  assert.match(rows[0]!, /^KIND\/NAME\s+PHASE\s+READY\s+AGE\s+MESSAGE$/);
  assert.match(
    rows[1]!,
    /^Pool\/shop\s+Failed\s+-\s+5m\s+TEND_ERR_VALIDATION_FAILED: pm\.max_children must be > 0$/,
  );
  // No daemon serves this root: a Program reads Unknown, never the last state the daemon saw.
  assert.match(
    rows[2]!,
    /^Program\/worker\s+Unknown\s+Unknown\s+5m\s+tend serve is not running \(last seen never on this root\)$/,
  );
  assert.match(rows[3]!, /^Site\/shop\s+Ready\s+True\s+5m\s+serving shop\.test$/);
  assert.equal(rows.length, 4);
});

test('one resource in detail, and --json gives the API object', async (t) => {
  const dir = tempDir(t);
  await seed(dir);
  const c = captureIO(dir);
  assert.equal(await runStatus(['site/shop'], c.io, { now: () => NOW }), 0);
  const text = c.stdout();
  assert.match(text, /^Site\/shop\n/);
  assert.match(text, /Phase:\s+Ready/);
  assert.match(text, /Observed generation:\s+g1/);
  assert.match(text, /Last applied revision:\s+abc123/);
  assert.match(text, /Ready\s+True\s+Ready\s+5m\s+serving shop\.test/);
  assert.match(text, /url: http:\/\/shop\.test:8080\//);
  assert.match(text, /Normal\s+Applied\s+vhost written/);
  assert.doesNotMatch(text, /not for the site/);

  const j = captureIO(dir);
  assert.equal(await statusCommand(['Site/shop', '--json'], j.io), 0);
  const detail = JSON.parse(j.stdout());
  assert.equal(detail.key, 'Site/shop');
  assert.equal(detail.phase, 'Ready');
  assert.deepEqual(detail.outputs, { url: 'http://shop.test:8080/' });
  assert.deepEqual(
    detail.events.map((e: { message: string }) => e.message),
    ['vhost written'],
  );
});

test('an unknown resource exits 1 with a clear message; a malformed key is a usage error', async (t) => {
  const dir = tempDir(t);
  const stateDir = await seed(dir);
  const c = captureIO(dir);
  assert.equal(await statusCommand(['Program/nope'], c.io), 1);
  assert.equal(c.stdout(), '');
  assert.match(c.stderr(), new RegExp(`no status for Program/nope in ${stateDir}`));
  await assert.rejects(statusCommand(['Widget/x'], c.io), (e: unknown) => isTendError(e, 'TEND_ERR_USAGE'));
  await assert.rejects(statusCommand(['--bogus'], c.io), (e: unknown) => isTendError(e, 'TEND_ERR_USAGE'));
});

test('ages read like kubectl', () => {
  const at = '2025-03-01T10:00:00.000Z';
  assert.equal(formatAge(at, T + 30_000), '30s');
  assert.equal(formatAge(at, T + 3 * 3_600_000), '3h');
  assert.equal(formatAge(at, T + 3 * 86_400_000), '3d');
  assert.equal(formatAge('garbage', T), '?');
});

test('a folded event shows its count and span, as kubectl does', () => {
  const detail = {
    ...newStatus('Site', 'shop', T),
    events: [
      {
        key: 'Site/shop' as const,
        type: 'Warning' as const,
        reason: 'ProbeFailed',
        message: '502 from /',
        time: new Date(NOW - 60_000).toISOString(),
        firstTime: new Date(NOW - 600_000).toISOString(),
        count: 41,
      },
    ],
  };
  assert.match(renderStatusDetail(detail, NOW), /60s \(x41 over 10m\)\s+Warning\s+ProbeFailed\s+502 from \//);
});
