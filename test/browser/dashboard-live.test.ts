// The dashboard shows the truth live (status issue, item 7), in headless Chromium against a real
// `tend serve` with real nginx: a broken edit turns the row red without a reload, within 2 s of the
// status change; fixing it turns the row green again, with the event stream cut once in between.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { staticSiteYaml } from '../helpers/e2e.js';
import { serveEnv, waitFor } from '../e2e/serve-harness.js';
import { cutProxy, inPage, launchChromium, openPage, rowPhase, screenshot } from './chromium.js';

/** Records, in the page, when the row of `key` first shows `phase` (the page's own clock). */
const watchRow = (key: string, phase: string) => `(() => {
  window.tendSeen = window.tendSeen || {};
  const check = () => {
    const tr = document.querySelector('#rows tr[data-key="${key}"]');
    if (tr && tr.dataset.phase === '${phase}' && !window.tendSeen['${phase}']) window.tendSeen['${phase}'] = Date.now();
  };
  new MutationObserver(check).observe(document.getElementById('rows'), { subtree: true, attributes: true, childList: true });
  check();
})()`;

test('a broken edit turns the dashboard row red live and a fix turns it green, across a cut stream', async (t) => {
  const env = await serveEnv(t);
  for (const name of ['shop', 'blog']) {
    mkdirSync(join(env.www, name));
    writeFileSync(join(env.www, name, 'index.html'), `${name}\n`);
    env.write(`${name}.yaml`, staticSiteYaml(name, join(env.www, name)));
  }
  await env.start();
  await waitFor('Site/shop Ready', async () => (await env.resource('Site/shop'))?.phase === 'Ready');

  const proxy = await cutProxy(env.apiPort);
  t.after(() => proxy.close());
  const browser = await launchChromium(t);
  const { page, errors } = await openPage(browser, `http://127.0.0.1:${proxy.port}/`);
  await waitFor(
    'the Site/shop row to read Ready',
    async () => (await rowPhase(page, 'Site/shop')) === 'Ready',
  );
  await page.waitForFunction(`document.getElementById('conn').textContent === 'live'`);
  // Survives only if the page is never reloaded.
  await inPage(page, 'window.tendNoReload = true');
  await inPage(page, watchRow('Site/shop', 'Failed'));

  // A broken edit: an invalid domain makes the spec invalid, so Site/shop is Failed.
  const good = staticSiteYaml('shop', join(env.www, 'shop'));
  env.write('shop.yaml', good.replace('[shop.e2e.test]', '["not a domain!"]'));
  const failed = await waitFor('Site/shop Failed in the API', async () => {
    const st = (await env.resource('Site/shop')) as
      { phase?: string; conditions?: { type: string; lastTransitionTime?: string }[] } | undefined;
    return st?.phase === 'Failed' ? st : undefined;
  });
  const changedAt = Date.parse(failed.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '');
  assert.ok(Number.isFinite(changedAt), 'the Ready condition says when it changed');
  const seenAt = await waitFor('the row to turn red', () =>
    inPage<number | undefined>(page, 'window.tendSeen.Failed'),
  );
  assert.ok(
    seenAt - changedAt < 2000,
    `the row turned red ${seenAt - changedAt} ms after the status changed (at most 2000 expected)`,
  );
  assert.equal(await rowPhase(page, 'Site/blog'), 'Ready', 'the other Site stays green');
  await screenshot(page, 'dashboard-live-failed');

  // The stream drops once; the fix lands while the page may still be disconnected.
  assert.ok(proxy.cut() > 0, 'the page had the event stream open through the proxy');
  env.write('shop.yaml', good);
  await waitFor(
    'Site/shop Ready in the API',
    async () => (await env.resource('Site/shop'))?.phase === 'Ready',
  );
  await waitFor(
    'the row to turn green again',
    async () => (await rowPhase(page, 'Site/shop')) === 'Ready',
    30_000,
  );
  await page.waitForFunction(`document.getElementById('conn').textContent === 'live'`);
  assert.equal(await inPage(page, 'window.tendNoReload'), true, 'the page was never reloaded');
  await screenshot(page, 'dashboard-live-fixed');
  assert.deepEqual(errors, []);
});
