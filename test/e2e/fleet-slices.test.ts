// End to end, a three-host fleet on one repository (decision 0037): three `tend serve` daemons with
// their own roots, ports, host names and labels follow one bare repository served by `git daemon`; a
// commit under hosts/web1/ and a hostSelector change exactly the hosts they should (asked of each
// host's API, and seen in its real nginx), and `tend fleet status` shows all three on the revision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { BIN, collect, freePort } from '../helpers/e2e.js';
import { gitFleet, type FleetHost } from './fleet-harness.js';
import { waitFor } from './serve-harness.js';

test('a fleet of three tend serve daemons applies each host its own slice of one repository', async (t) => {
  const fleet = await gitFleet(t, [
    { name: 'web1', labels: ['role=static'] },
    { name: 'web2', labels: ['role=php', 'region=us'] },
    { name: 'web3', labels: ['role=php', 'region=eu'] },
  ]);
  const [web1, web2, web3] = fleet.hosts as [FleetHost, FleetHost, FleetHost];
  const { remote, site } = fleet;
  const refreshAll = async () => {
    for (const h of fleet.hosts) {
      const r = await h.env.api('POST', '/v1/source/refresh');
      assert.ok(r.status < 300, `${h.name}: refresh answered ${r.status}`);
    }
  };
  /** Each host's resources exactly, with the revision each was last applied from. */
  const assertApplied = async (h: FleetHost, want: Record<string, string>) => {
    const got = Object.fromEntries(await h.applied());
    const named = Object.fromEntries(Object.entries(want).map(([k, v]) => [`Site/${k}`, v]));
    assert.deepEqual(got, named, `${h.name}'s resources and their lastAppliedRevision`);
  };

  const c1 = remote.commit(
    {
      'shared.yaml': site('shared'),
      'php.yaml': site('php', 'hostSelector: { role: php }'),
      'named.yaml': site('named', 'hosts: [web2]'),
      'hosts/web1/one.yaml': site('one'),
    },
    'v1',
  );
  await fleet.start();

  await t.test(
    'each host applies the shared files, its hosts/ directory, its name and its selector',
    async () => {
      await fleet.converged(web1, c1, { shared: true, one: true, php: false, named: false });
      await fleet.converged(web2, c1, { shared: true, one: false, php: true, named: true });
      await fleet.converged(web3, c1, { shared: true, one: false, php: true, named: false });
      await assertApplied(web1, { shared: c1, one: c1 });
      await assertApplied(web2, { shared: c1, php: c1, named: c1 });
      await assertApplied(web3, { shared: c1, php: c1 });
    },
  );

  let c2 = '';
  await t.test(
    'one commit under hosts/web1/ and with a region selector changes web1 and web3 only',
    async () => {
      c2 = remote.commit(
        { 'hosts/web1/two.yaml': site('two'), 'eu.yaml': site('eu', 'hostSelector: { region: eu }') },
        'web1 and the eu region',
      );
      await refreshAll();
      await fleet.converged(web1, c2, { two: true, one: true, shared: true, eu: false });
      await fleet.converged(web2, c2, { two: false, eu: false, shared: true, php: true, named: true });
      await fleet.converged(web3, c2, { two: false, eu: true, shared: true, php: true });
      // All three are at c2, but only what each host's slice gained was applied there: web2 applied
      // nothing, and never heard of Site/two or Site/eu.
      await assertApplied(web1, { shared: c1, one: c1, two: c2 });
      await assertApplied(web2, { shared: c1, php: c1, named: c1 });
      await assertApplied(web3, { shared: c1, php: c1, eu: c2 });
      assert.equal((await web2.env.api('GET', '/v1/resources/Site/two')).status, 404);
    },
  );

  let c3 = '';
  await t.test(
    'a hostSelector edit moves a Site between hosts: applied on one, removed from the others',
    async () => {
      c3 = remote.commit({ 'php.yaml': site('php', 'hostSelector: { role: static }') }, 'php moves');
      await refreshAll();
      await fleet.converged(web1, c3, { php: true, one: true, two: true, shared: true });
      await fleet.converged(web2, c3, { php: false, named: true, shared: true });
      await fleet.converged(web3, c3, { php: false, eu: true, shared: true });
      await assertApplied(web1, { shared: c1, one: c1, two: c2, php: c3 });
      await waitFor('php to leave web2 and web3', async () => {
        for (const h of [web2, web3]) if ((await h.applied()).has('Site/php')) return false;
        return true;
      });
      // Each host's /metrics names it and its revision, so one Prometheus sees the fleet's rollout.
      for (const h of fleet.hosts) {
        const text = await waitFor(`${h.name}'s tend_info at c3`, async () => {
          const r = await fetch(`http://127.0.0.1:${h.env.apiPort}/metrics`);
          const body = await r.text();
          return body.includes(`tend_info{host="${h.name}",revision="${c3}"} 1`) ? body : undefined;
        });
        assert.match(text, /^tend_source_ready\{source="git"\} 1$/m);
      }
    },
  );

  await t.test(
    'tend fleet status: one table of all three hosts on the new revision; a dead host says so',
    async () => {
      const fleetStatus = (file: string, ...more: string[]) =>
        collect(
          spawn(process.execPath, [BIN, 'fleet', 'status', '--hosts-file', file, ...more], {
            stdio: 'pipe',
          }),
        );
      const ok = await fleetStatus(fleet.hostsFile());
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      const rows = ok.stdout.trim().split('\n');
      assert.equal(rows.length, 4, ok.stdout);
      assert.match(rows[0]!, /^HOST\s+REVISION\s+RESOURCES\s+LAST ERROR$/);
      assert.match(rows[1]!, new RegExp(`^web1\\s+${c3.slice(0, 12)}\\s+Ready=4\\s+-$`));
      assert.match(rows[2]!, new RegExp(`^web2\\s+${c3.slice(0, 12)}\\s+Ready=2\\s+-$`));
      assert.match(rows[3]!, new RegExp(`^web3\\s+${c3.slice(0, 12)}\\s+Ready=2\\s+-$`));
      for (const h of fleet.hosts) assert.ok(!ok.stdout.includes(h.token()), 'a token is never printed');
      const dead = `http://127.0.0.1:${await freePort()}`;
      const down = await fleetStatus(fleet.hostsFile([`${dead} sometoken`]), '--json');
      assert.equal(down.code, 1, 'a host that does not answer fails the command');
      const json = JSON.parse(down.stdout) as {
        host: string;
        revision: string;
        reachable: boolean;
        lastError: string;
      }[];
      assert.deepEqual(
        json.map((r) => [r.host, r.revision, r.reachable]),
        [
          ['web1', c3, true],
          ['web2', c3, true],
          ['web3', c3, true],
          ['?', '?', false],
        ],
      );
      assert.match(json[3]!.lastError, /^unreachable: /);
    },
  );

  await t.test("reconcile --plan --host previews another host's slice from a checkout", async () => {
    // A fresh root: the preview shows web2's whole slice as to be created, from the work clone.
    const base = web1.env.base;
    const preview = ['reconcile', '--plan', '--host', 'web2', '--host-label', 'role=php'];
    const where = ['-d', remote.work, '--root', join(base, 'preview-root'), '--web-base', base];
    const r = await collect(spawn(process.execPath, [BIN, ...preview, ...where], { stdio: 'pipe' }));
    assert.equal(r.code, 2, r.stdout + r.stderr);
    for (const key of ['Site/shared', 'Site/named'])
      assert.match(r.stdout, new RegExp(`\\+ ${key} will be created`));
    for (const key of ['Site/one', 'Site/two', 'Site/php', 'Site/eu'])
      assert.doesNotMatch(r.stdout, new RegExp(key));
  });
});
