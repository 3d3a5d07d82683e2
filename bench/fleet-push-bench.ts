// Benchmark of a fleet following one repository: the time from `git push` to a one-Site change
// applied on all three hosts (target < 1.5 s, median of several pushes). Three `tend serve` daemons
// follow a bare repository served by `git daemon` with a 1 h interval, so only the post-receive hook,
// which calls each host's `POST /v1/source/refresh` (token), triggers them. TEND_BENCH=fleet-push.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { httpGet } from '../test/helpers/e2e.js';
import { gitFleet } from '../test/e2e/fleet-harness.js';
import { waitFor } from '../test/e2e/serve-harness.js';

const PUSHES = 5;
const TARGET_MS = 1500;

/** The hook: every host's refresh route in parallel; a failure fails the push loudly. */
const HOOK_JS = `import { readFileSync } from 'node:fs';
const hosts = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = await Promise.allSettled(hosts.map(async (h) => {
  const token = readFileSync(h.tokenFile, 'utf8').trim();
  const r = await fetch(h.url + '/v1/source/refresh', { method: 'POST', headers: { authorization: 'Bearer ' + token } });
  if (!r.ok) throw new Error(h.url + ' answered ' + r.status);
}));
for (const r of results) if (r.status === 'rejected') { console.error('refresh: ' + r.reason); process.exitCode = 1; }
`;

export async function benchFleetPush(): Promise<void> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const t = { after: (fn: () => Promise<void> | void) => void cleanups.push(fn) };
  try {
    const fleet = await gitFleet(t, [
      { name: 'web1', labels: ['role=static'] },
      { name: 'web2', labels: ['role=php'] },
      { name: 'web3', labels: ['role=php'] },
    ]);
    const { remote } = fleet;
    const first = remote.commit({ 'site.yaml': fleet.site('bench') }, 'v0');
    // Debug logs (the e2e harness's default) cost the daemons time a real fleet does not spend.
    await fleet.start(['--log-level', 'info']);
    for (const h of fleet.hosts) await fleet.converged(h, first, { bench: true });

    const base = fleet.hosts[0]!.env.base;
    const hostsJson = join(base, 'hook-hosts.json');
    writeFileSync(
      hostsJson,
      JSON.stringify(
        fleet.hosts.map((h) => ({
          url: `http://127.0.0.1:${h.env.apiPort}`,
          tokenFile: join(h.env.root, 'state/api-token'),
        })),
      ),
    );
    writeFileSync(join(base, 'post-receive.mjs'), HOOK_JS);
    const hook = join(remote.bare, 'hooks/post-receive');
    writeFileSync(
      hook,
      `#!/bin/sh\nexec "${process.execPath}" "${join(base, 'post-receive.mjs')}" "${hostsJson}"\n`,
    );
    chmodSync(hook, 0o755);

    const times: number[] = [];
    for (let i = 1; i <= PUSHES; i++) {
      // The commit is made first: the clock starts at the push.
      writeFileSync(
        join(remote.work, 'site.yaml'),
        fleet.site('bench', undefined, `  headers: { X-Push: "${i}" }\n`),
      );
      remote.git('add', '-A');
      remote.git('commit', '--quiet', '-m', `push ${i}`);
      const rev = remote.git('rev-parse', 'HEAD');
      const t0 = performance.now();
      remote.pushBranch();
      await waitFor(
        `push ${i} applied on every host`,
        async () => {
          for (const h of fleet.hosts)
            if ((await h.env.resource('Site/bench'))?.lastAppliedRevision !== rev) return false;
          return true;
        },
        60_000,
      );
      times.push(performance.now() - t0);
      // Served, not only recorded: each host's nginx answers with the new header.
      for (const h of fleet.hosts) {
        const r = await httpGet(h.env.port, 'bench.e2e.test');
        if (r.headers['x-push'] !== String(i)) throw new Error(`${h.name} does not serve push ${i}`);
      }
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    console.log(
      `fleet-push: git push to applied on 3 hosts (post-receive hook → POST /v1/source/refresh), one-Site change, ${PUSHES} pushes (ms): ${times.map((ms) => Math.round(ms)).join(', ')}; median ${Math.round(median)} ms (target < ${TARGET_MS} ms: ${median < TARGET_MS ? 'ok' : 'OVER TARGET'})`,
    );
  } finally {
    for (const fn of cleanups.reverse()) await fn();
  }
}
