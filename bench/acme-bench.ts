// Benchmark: an ACME Site's YAML saved → HTTPS served (chain verified to pebble's root), against
// Debian's pebble with real HTTP-01 validation and its validation sleep at 0 (PEBBLE_VA_NOSLEEP).
// Five new Sites one after another on one `tend serve`; prints each and the median (target < 3 s).
import { waitFor } from '../test/e2e/serve-harness.js';
import { httpsGet, pebbleInstalled } from '../test/e2e/pebble-harness.js';
import { servePebble, staticRoot, writePebbleIssuer } from '../test/e2e/acme-harness.js';

const RUNS = 5;

export async function benchAcme(): Promise<void> {
  if (!pebbleInstalled()) {
    console.log('acme: skipped (pebble is not installed)');
    return;
  }
  const cleanups: (() => Promise<void> | void)[] = [];
  try {
    const acmeEnv = await servePebble({ after: (fn) => cleanups.unshift(fn) });
    const { env, pebble, httpsPort } = acmeEnv;
    writePebbleIssuer(acmeEnv, 'ops@bench.test');
    await env.start(['--log-level', 'info']);
    const ca = await pebble.issuingRoot();
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const name = `tls${i}`;
      const domain = `${name}.bench.test`;
      const root = staticRoot(env, name, `${name}\n`);
      const t0 = performance.now();
      env.write(
        `${name}.yaml`,
        `apiVersion: tend/v1
kind: Site
metadata: { name: ${name} }
spec: { domains: [${domain}], preset: static, root: ${root}, tls: { acme: {} } }
`,
      );
      await waitFor(
        `${domain} over HTTPS`,
        async () => {
          const r = await httpsGet(httpsPort, ca, domain).catch(() => undefined);
          return r?.status === 200 && r.body === `${name}\n`;
        },
        60_000,
      );
      times.push(performance.now() - t0);
    }
    const sorted = [...times].sort((a, b) => a - b);
    console.log(`acme: YAML saved → HTTPS served: ${times.map((t) => `${Math.round(t)}ms`).join(', ')}`);
    console.log(
      `acme: median of ${RUNS}: ${Math.round(sorted[Math.floor(RUNS / 2)]!)} ms (target < 3000 ms)`,
    );
  } finally {
    for (const fn of cleanups) await fn();
  }
}
