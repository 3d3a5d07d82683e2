// /readyz tells the truth about what tend cannot do: a broken page seen by an operator's reconcile,
// a stalled file, a refused mass deletion and a failed pass each make it 503 with the reason, and it
// is 200 again once the fault is gone. The checker fetches every site throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { phpPairYaml } from '../helpers/e2e.js';
import { startChecker, untrackedFiles } from '../helpers/checker.js';
import { serveEnv, waitFor } from '../e2e/serve-harness.js';

type Status = { phase?: string };
type Ready = { ready: boolean; reason?: string };

test('/readyz reports stale-probe outages, stalled keys, refused plans and failed passes', async (t) => {
  // Probes stay cached for an hour: only an explicit reconcile may notice a page that broke.
  const env = await serveEnv(t, ['--probe-max-age', '1h']);
  const names = ['ra', 'rb', 'rc'];
  const yaml = new Map<string, string>();
  for (const n of names) {
    const root = join(env.www, n);
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'index.php'), `<?php echo "site-${n}\\n";\n`);
    yaml.set(n, phpPairYaml({ pool: n, site: n, domain: `${n}.fault.test`, root, maxChildren: 2 }));
    env.write(`${n}.yaml`, yaml.get(n)!);
  }
  await env.start();
  const checker = startChecker(
    env.port,
    names.map((n) => ({ host: `${n}.fault.test`, marker: `site-${n}` })),
  );
  t.after(() => checker.stop());
  await checker.healthy(60_000);
  const readyz = async () => {
    const r = await env.api('GET', '/readyz');
    return { status: r.status, body: r.body as Ready };
  };
  const phase = async (key: string) => ((await env.resource(key)) as Status | undefined)?.phase;
  const allReady = () => waitFor('/readyz 200', async () => (await readyz()).status === 200, 60_000);
  await allReady();

  await t.test('an API reconcile of one Site probes it afresh', async () => {
    const page = join(env.www, 'ra', 'index.php');
    writeFileSync(page, `<?php http_response_code(500); echo "broken\\n";\n`);
    // Several resyncs pass; the cached verdict (an hour) keeps the Site Ready: the lie this fixes.
    await new Promise((r) => setTimeout(r, 5_000));
    assert.equal(await phase('Site/ra'), 'Ready', 'precondition: an unchanged Site is not re-probed');
    const rec = await env.api('POST', '/v1/reconcile', { resource: 'Site/ra' });
    assert.equal(rec.status, 200, JSON.stringify(rec.body));
    assert.equal(await phase('Site/ra'), 'Degraded');
    const r = await readyz();
    assert.equal(r.status, 503);
    assert.match(r.body.reason ?? '', /Site\/ra Degraded/);
    writeFileSync(page, `<?php echo "site-ra\\n";\n`);
    // PHP's opcache may serve the old script for a couple of seconds (revalidate_freq): poll.
    await waitFor('Site/ra Ready after a reconcile', async () => {
      await env.api('POST', '/v1/reconcile', { resource: 'Site/ra' });
      return (await phase('Site/ra')) === 'Ready';
    });
    await allReady();
  });

  await t.test('a stalled file makes /readyz 503 and names it', async () => {
    env.write('rb.yaml', yaml.get('rb')!.replace('maxChildren: 2', 'maxChildren: -2'));
    const r = await waitFor('/readyz to report the stalled key', async () => {
      const x = await readyz();
      return x.status === 503 && /stalled/.test(x.body.reason ?? '') ? x : undefined;
    });
    assert.match(r.body.reason ?? '', /Pool\/rb/);
    env.write('rb.yaml', yaml.get('rb')!);
    await allReady();
  });

  await t.test('a refused mass deletion makes /readyz 503', async () => {
    env.remove('rb.yaml');
    env.remove('rc.yaml');
    const r = await waitFor('/readyz to report the refusal', async () => {
      const x = await readyz();
      return x.status === 503 && /deletions refused/.test(x.body.reason ?? '') ? x : undefined;
    });
    assert.match(r.body.reason ?? '', /refusing to delete/);
    env.write('rb.yaml', yaml.get('rb')!);
    env.write('rc.yaml', yaml.get('rc')!);
    await allReady();
  });

  await t.test('a failed pass makes /readyz 503 until a pass succeeds again', async () => {
    const inventory = join(env.root, 'state/inventory.json');
    const good = readFileSync(inventory, 'utf8');
    writeFileSync(inventory, '{"resources": ');
    await env.api('POST', '/v1/reconcile', {});
    const r = await waitFor('/readyz to report the failed pass', async () => {
      const x = await readyz();
      return x.status === 503 && /last pass failed/.test(x.body.reason ?? '') ? x : undefined;
    });
    assert.match(r.body.reason ?? '', /TEND_ERR_STATE_CORRUPT/);
    writeFileSync(inventory, good);
    await env.api('POST', '/v1/reconcile', {});
    await allReady();
  });

  await checker.healthy(60_000);
  assert.deepEqual(untrackedFiles(env.root), []);
});
