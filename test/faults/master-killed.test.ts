// A master SIGKILLed while its workers live: the orphaned workers keep the listen sockets, so a plain
// restart fails. Under `tend serve` with traffic, tend must say so while it lasts (MasterDown on the
// service's resources, /readyz not ready), stop the orphans, restart the master and serve again,
// with no hand edit and nothing managed left untracked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childrenOf, mastersFor } from '../helpers/e2e.js';
import { startChecker, untrackedFiles } from '../helpers/checker.js';
import { serveEnv, waitFor, type ServeEnv } from '../e2e/serve-harness.js';

const SITES = ['a', 'b', 'c'];

const pairYaml = (n: string, root: string) => `apiVersion: tend/v1
kind: Pool
metadata: { name: ${n} }
spec:
  php: "8.2"
  pm: { type: static, maxChildren: 2 }
---
apiVersion: tend/v1
kind: Site
metadata: { name: ${n} }
spec:
  domains: [${n}.master.test]
  preset: php
  root: ${root}
  php: { pool: ${n} }
`;

interface Seen {
  /** Every distinct /readyz body that said not ready: a saturated pool may be reported before the death. */
  readyzDown: Set<string>;
  conditions: Set<string>;
}

/** Polls /readyz and the resources' Ready condition until stopped: what was reported during the fault. */
function watchReports(env: ServeEnv, keys: string[]): { stop: () => Promise<Seen> } {
  const seen: Seen = { readyzDown: new Set(), conditions: new Set() };
  let running = true;
  const loop = (async () => {
    while (running) {
      const r = await env.api('GET', '/readyz').catch(() => undefined);
      if (r && r.status !== 200) seen.readyzDown.add(JSON.stringify(r.body));
      for (const key of keys) {
        const st = (await env.resource(key).catch(() => undefined)) as
          { conditions?: { type: string; status: string; reason: string }[] } | undefined;
        const ready = st?.conditions?.find((c) => c.type === 'Ready');
        if (ready?.status === 'False') seen.conditions.add(`${key}:${ready.reason}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return seen;
    },
  };
}

const events = (env: ServeEnv) =>
  readFileSync(join(env.root, 'state/events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { reason: string; message: string });

const killQuietly = (pid: number) => {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
};

test(
  'a SIGKILLed nginx master, then php-fpm master: reported while down, healed under traffic',
  { timeout: 300_000 },
  async (t) => {
    const env = await serveEnv(t);
    for (const n of SITES) {
      const root = join(env.www, n);
      mkdirSync(root, { recursive: true });
      writeFileSync(join(root, 'index.php'), `<?php echo "site-${n} " . (6 * 7) . "\\n";\n`);
      env.write(`${n}.yaml`, pairYaml(n, root));
    }
    await env.start();
    const checker = startChecker(
      env.port,
      SITES.map((n) => ({ host: `${n}.master.test`, marker: `site-${n} 42` })),
    );
    // Orphans do not name the root in their titles: make sure none outlives a failed run.
    const orphans: number[] = [];
    t.after(async () => {
      await checker.stop();
      orphans.forEach(killQuietly);
    });
    await checker.healthy(60_000);

    for (const service of ['nginx', 'php'] as const) {
      const master = mastersFor(env.root)[service];
      assert.equal(master.length, 1, `one ${service} master before the fault`);
      const workers = childrenOf(master[0]!);
      assert.ok(workers.length > 0, `${service} has workers to orphan`);
      orphans.push(...workers);
      const keys =
        service === 'nginx'
          ? SITES.map((n) => `Site/${n}`)
          : SITES.flatMap((n) => [`Pool/${n}`, `Site/${n}`]);
      const reports = watchReports(env, keys);
      const killedAt = Date.now();
      process.kill(master[0]!, 'SIGKILL');

      // Healed: a new master of ours, none of the orphans left, every site answering.
      await waitFor(`a new ${service} master`, () => {
        const now = mastersFor(env.root)[service];
        return now.length === 1 && now[0] !== master[0];
      });
      const servedAt = await checker.healthy(60_000);
      const seen = await reports.stop();
      const left = workers.filter((pid) => {
        try {
          return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
        } catch {
          return false;
        }
      });
      assert.deepEqual(left, [], `the ${service} master's orphaned workers were stopped`);

      // Reported truthfully while it lasted.
      assert.ok(seen.readyzDown.size > 0, `/readyz was not ready during the ${service} outage`);
      assert.ok(
        [...seen.readyzDown].some((body) => /died/.test(body)),
        `/readyz named the death: ${[...seen.readyzDown].join(' | ')}`,
      );
      for (const key of keys)
        assert.ok(
          seen.conditions.has(`${key}:MasterDown`),
          `${key} showed MasterDown: ${[...seen.conditions].join(', ')}`,
        );
      const id = service === 'nginx' ? 'nginx' : 'php-fpm@8.2';
      // The event log is written behind the daemon's back: poll it.
      for (const reason of ['MasterDown', 'MasterRestarted'])
        await waitFor(`a ${reason} event for ${id}`, () =>
          events(env).some((e) => e.reason === reason && e.message.includes(id)),
        );

      // And afterwards: ready again, the resources Ready, nothing managed untracked.
      await waitFor('/readyz ready again', async () => (await env.api('GET', '/readyz')).status === 200);
      for (const key of keys)
        await waitFor(`${key} Ready again`, async () => (await env.resource(key))?.phase === 'Ready');
      assert.deepEqual(untrackedFiles(env.root), []);
      t.diagnostic(
        `${service}: served again ${servedAt - killedAt} ms after the kill; ` +
          `${checker.failuresSince(killedAt).length} failed request(s) of ${checker.requests} so far`,
      );
    }
  },
);
