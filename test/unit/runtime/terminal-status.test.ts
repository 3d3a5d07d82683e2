// A Terminal's status is built from its driver's observation alone: these feed terminalStatus the
// observations a real server, a taken port, an expired server and no apply at all produce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ObservedTerminal, TerminalFacts } from '../../../src/drivers/terminals-builtin.js';
import { newStatus, setCondition, type ResourceStatus } from '../../../src/state/conditions.js';
import { terminalStatus } from '../../../src/runtime/terminal-status.js';

const NOW = Date.parse('2026-12-06T12:00:00Z');
const URL = 'http://127.0.0.1:7681/t/abc/';

/** What the status writer hands over: the spec applied (appliedStatus). */
function applied(): ResourceStatus {
  return setCondition(
    newStatus('Terminal', 'ops', NOW - 1000),
    { type: 'Applied', status: 'True', reason: 'Applied', message: 'generation g1 is applied' },
    NOW - 1000,
  );
}

function seen(terminal: TerminalFacts, phase = 'Ready'): ObservedTerminal {
  return { key: 'Terminal/ops', phase, message: '', instances: [], terminal };
}

const cond = (st: ResourceStatus, type: string) => st.conditions.find((c) => c.type === type);

test('a listening Terminal is Ready with its URL, port and sessions', () => {
  const st = terminalStatus(
    applied(),
    seen({
      lastApply: { ok: true, url: URL, port: 7681 },
      url: URL,
      port: 7681,
      sessions: 2,
      expired: false,
    }),
    NOW,
  );
  assert.equal(cond(st, 'Ready')?.status, 'True');
  assert.equal(cond(st, 'Healthy')?.reason, 'Listening');
  assert.equal(st.phase, 'Ready');
  assert.deepEqual(st.outputs, { url: URL, port: 7681 });
  assert.deepEqual(st.health, { url: URL, port: 7681, sessions: 2 });
  assert.match(cond(st, 'Ready')!.message, /2 session\(s\)/);
});

test('a Terminal whose fixed port another process holds is PortConflict, not applied, not Ready', () => {
  const message = 'port 7681 is in use by nc (pid 4242)';
  const observed = seen(
    {
      lastApply: { ok: false, error: { code: 'TEND_ERR_PORT_IN_USE', message } },
      sessions: 0,
      expired: false,
    },
    'Failed',
  );
  const st = terminalStatus(applied(), observed, NOW);
  assert.equal(cond(st, 'Ready')?.status, 'False');
  assert.equal(cond(st, 'Ready')?.reason, 'PortConflict');
  assert.equal(cond(st, 'Applied')?.status, 'False');
  assert.equal(cond(st, 'Applied')?.reason, 'PortConflict');
  assert.equal(cond(st, 'Ready')?.message, message);
  assert.equal(st.phase, 'Failed');
  assert.equal(st.outputs.url, undefined, 'no URL while nothing of ours listens');

  // Once the port is free and the server listens there, it is applied and Ready again.
  const freed = terminalStatus(
    st,
    seen({
      lastApply: { ok: true, url: URL, port: 7681 },
      url: URL,
      port: 7681,
      sessions: 0,
      expired: false,
    }),
    NOW + 1000,
  );
  assert.equal(cond(freed, 'Applied')?.status, 'True');
  assert.equal(cond(freed, 'Ready')?.status, 'True');
});

test('another failure to serve (unsupported backend) is not Ready, and not a port conflict', () => {
  const st = terminalStatus(
    applied(),
    seen(
      {
        lastApply: {
          ok: false,
          error: { code: 'TEND_ERR_UNSUPPORTED', message: 'backend ttyd is not supported' },
        },
        sessions: 0,
        expired: false,
      },
      'Failed',
    ),
    NOW,
  );
  assert.equal(cond(st, 'Ready')?.status, 'False');
  assert.equal(cond(st, 'Ready')?.reason, 'NotListening');
  assert.deepEqual(st.health, { code: 'TEND_ERR_UNSUPPORTED' });
});

test('an expired Terminal is not Ready, though its server still runs', () => {
  const st = terminalStatus(
    applied(),
    seen({ lastApply: { ok: true, url: URL, port: 7681 }, url: URL, port: 7681, sessions: 1, expired: true }),
    NOW,
  );
  assert.equal(cond(st, 'Ready')?.status, 'False');
  assert.equal(cond(st, 'Healthy')?.status, 'False');
  assert.match(cond(st, 'Ready')!.message, /expired \(maxDuration reached\)/);
});

test('a Terminal not observed, or applied but not listening, is never Ready', () => {
  const unseen = terminalStatus(applied(), undefined, NOW);
  assert.equal(cond(unseen, 'Ready')?.status, 'False');
  assert.equal(cond(unseen, 'Ready')?.message, 'not started yet');
  // Observed without any apply report (the server runs, no apply here yet): still not proven.
  const noReport = terminalStatus(
    applied(),
    seen({ url: URL, port: 7681, sessions: 0, expired: false }),
    NOW,
  );
  assert.equal(cond(noReport, 'Ready')?.status, 'False');
  // Applied, but the server no longer listens.
  const silent = terminalStatus(
    applied(),
    seen(
      { lastApply: { ok: true, url: URL, port: 7681 }, port: 7681, sessions: 0, expired: false },
      'Progressing',
    ),
    NOW,
  );
  assert.equal(cond(silent, 'Ready')?.status, 'False');
  assert.equal(cond(silent, 'Ready')?.reason, 'NotListening');
});
