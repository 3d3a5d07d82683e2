// Fault: a pool socket chmod'ed to 000. nginx's workers get EACCES and every request is a 502, while
// a root ping still answers. tend must report the outage (Pool and Site not Ready, /readyz 503) and
// give the socket its mode back without a hand edit, then report Ready again; likewise its owner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { phpPairYaml } from '../helpers/e2e.js';
import { startChecker, untrackedFiles } from '../helpers/checker.js';
import { serveEnv, waitFor } from '../e2e/serve-harness.js';
import { openEventStream } from './sse.js';

type Status = { phase?: string; outputs?: Record<string, string | number> };

test('a pool socket set to mode 000 is reported as an outage and healed back to its mode', async (t) => {
  const env = await serveEnv(t);
  const names = ['sa', 'sb'];
  for (const n of names) {
    const root = join(env.www, n);
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'index.php'), `<?php echo "site-${n} " . (6 * 7) . "\\n";\n`);
    env.write(
      `${n}.yaml`,
      phpPairYaml({ pool: n, site: n, domain: `${n}.fault.test`, root, maxChildren: 2 }),
    );
  }
  await env.start();
  const sites = names.map((n) => ({ host: `${n}.fault.test`, marker: `site-${n} 42` }));
  const checker = startChecker(env.port, sites);
  t.after(() => checker.stop());
  await checker.healthy(60_000);
  const phase = async (key: string) => ((await env.resource(key)) as Status | undefined)?.phase;
  await waitFor('both pairs Ready', async () => {
    for (const n of names)
      if ((await phase(`Site/${n}`)) !== 'Ready' || (await phase(`Pool/${n}`)) !== 'Ready') return false;
    return true;
  });
  const pool = (await env.resource('Pool/sa')) as Status;
  const socket = String(pool.outputs?.socket);
  const mode = statSync(socket).mode & 0o777;
  assert.notEqual(mode, 0, 'the socket starts with a usable mode');

  // tend repairs the socket in the pass that reports the outage, and the next pass (at times within
  // 150 ms) reports Ready again: a poll can miss it. Every change of phase is an event on the stream.
  const stream = await openEventStream(env.apiPort);
  t.after(() => stream.close());
  const reportedDown = (key: string, since: number) =>
    stream.events
      .slice(since)
      .some((e) => e.reason === 'StatusChanged' && e.key === key && e.phase !== 'Ready');

  const faultAt = Date.now();
  const sinceChmod = stream.events.length;
  chmodSync(socket, 0o000);
  // /readyz keeps no history: the socket is broken again whenever tend repaired it before /readyz
  // was seen to report it, so the outage lasts until the test has seen it there too.
  let readyz = '';
  await waitFor(
    'Site/sa, Pool/sa and /readyz to report the outage',
    async () => {
      const ready = await env.api('GET', '/readyz');
      if (ready.status === 503) readyz ||= String((ready.body as { reason?: string }).reason);
      else if (readyz === '' && (statSync(socket).mode & 0o777) !== 0) chmodSync(socket, 0o000);
      return readyz !== '' && reportedDown('Site/sa', sinceChmod) && reportedDown('Pool/sa', sinceChmod);
    },
    60_000,
  );
  assert.match(readyz, /Pool\/sa|Site\/sa/);
  const reportedMs = Date.now() - faultAt;

  // Healed without a hand edit: the socket has its mode back, the site serves, status is Ready.
  await waitFor('the socket mode restored', () => (statSync(socket).mode & 0o777) === mode, 60_000);
  const servedAt = await checker.healthy(60_000);
  t.diagnostic(
    `outage reported after ${reportedMs} ms; served again ${servedAt - faultAt} ms after the chmod`,
  );
  await waitFor(
    'Site/sa and Pool/sa Ready again',
    async () =>
      (await phase('Site/sa')) === 'Ready' &&
      (await phase('Pool/sa')) === 'Ready' &&
      (await env.api('GET', '/readyz')).status === 200,
  );
  const failures = checker.failuresSince(faultAt);
  assert.ok(
    failures.some((f) => f.host === 'sa.fault.test'),
    'the checker saw the outage it injected',
  );
  assert.ok(
    failures.every((f) => f.host === 'sa.fault.test'),
    `only the broken site failed: ${JSON.stringify(failures.slice(0, 3))}`,
  );
  const events = (await env.api('GET', '/v1/resources/Pool/sa')).body as {
    events: { reason: string; message: string }[];
  };
  assert.ok(
    events.events.some((e) => e.reason === 'SocketRepaired' && /mode 0000/.test(e.message)),
    JSON.stringify(events.events),
  );

  // The owner is observed state too: a socket handed to root:root (still 0660) shuts nginx out.
  const other = String(((await env.resource('Pool/sb')) as Status).outputs?.socket);
  const owner = statSync(other);
  const chownedAt = Date.now();
  const sinceChown = stream.events.length;
  chownSync(other, 0, 0);
  await waitFor('Pool/sb to report the outage', () => reportedDown('Pool/sb', sinceChown), 60_000);
  await waitFor(
    'the socket owner restored',
    () => statSync(other).uid === owner.uid && statSync(other).gid === owner.gid,
    60_000,
  );
  await checker.healthy(60_000);
  await waitFor('Pool/sb Ready again', async () => (await phase('Pool/sb')) === 'Ready');
  assert.ok(checker.failuresSince(chownedAt).every((f) => f.host === 'sb.fault.test'));
  assert.deepEqual(untrackedFiles(env.root), []);
});
