// The operator's dashboard (operator issue, item 3) in headless Chromium against a real `tend serve`
// with real nginx and the native supervisor: search down to one Site, watch its events and access-log
// lines arrive live, restart a Program and see its pid change, suspend a Site and see drift reported
// but not healed, and read the plan of an edit made while the daemon is paused, exactly as
// `tend reconcile --plan` prints it. Screenshots of the list and detail views go to test-output/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { freePort, httpGet, staticSiteYaml } from '../helpers/e2e.js';
import { programYaml, serveEnv, waitFor, type ServeEnv } from '../e2e/serve-harness.js';
import { inPage, launchChromium, openPage, screenshot } from './chromium.js';

const text = (page: Page, id: string) => inPage<string>(page, `document.getElementById('${id}').textContent`);
const visibleKeys = (page: Page) =>
  inPage<string[]>(page, `[...document.querySelectorAll('#rows tr')].map((tr) => tr.dataset.key)`);

/** Files under `dir` whose content contains `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) out.push(...filesContaining(path, needle));
    else if (st.isFile() && st.size < 1_000_000 && readFileSync(path, 'utf8').includes(needle))
      out.push(path);
  }
  return out;
}

async function open(page: Page, key: string): Promise<void> {
  await page.evaluate(`location.hash = '#/r/${key}'`);
  await page.waitForFunction(
    `!document.getElementById('detail').hidden && document.getElementById('detail-title').textContent === '${key}'`,
  );
}

const pidsOf = async (env: ServeEnv, key: string) =>
  String(((await env.resource(key)) as { outputs?: { pids?: string } } | undefined)?.outputs?.pids ?? '');

test('the dashboard: one Site found, live events and logs, a restart, a suspension, a paused plan', async (t) => {
  const env = await serveEnv(t);
  for (const name of ['shop', 'blog', 'docs']) {
    mkdirSync(join(env.www, name));
    writeFileSync(join(env.www, name, 'index.html'), `${name}\n`);
    env.write(`${name}.yaml`, staticSiteYaml(name, join(env.www, name)));
  }
  // A port of its own: `port: auto` leases from each daemon's own 20000-20999, so a test running
  // beside this one can lease the same port, and the worker that binds second crash-loops (no pid).
  const workerPort = await freePort();
  env.write(
    'worker.yaml',
    programYaml('worker', env.programScript).replace('port: auto', `port: ${workerPort}`),
  );
  await env.start();
  await waitFor('every resource Ready', async () => {
    for (const key of ['Site/shop', 'Site/blog', 'Site/docs', 'Program/worker'])
      if ((await env.resource(key))?.phase !== 'Ready') return false;
    return true;
  });
  const token = readFileSync(join(env.root, 'state/api-token'), 'utf8').trim();

  const browser = await launchChromium(t);
  const { page, errors } = await openPage(browser, `http://127.0.0.1:${env.apiPort}/`);
  // The token is asked for once per browser session: count the prompts.
  let prompts = 0;
  page.on('dialog', (dialog) => {
    prompts += 1;
    void dialog.accept(token);
  });
  await page.waitForFunction(`document.getElementById('conn').textContent === 'live'`);
  assert.deepEqual((await visibleKeys(page)).sort(), [
    'Program/worker',
    'Site/blog',
    'Site/docs',
    'Site/shop',
  ]);

  await t.test('filtering by kind and text leaves one Site', async () => {
    await page.select('#f-kind', 'Site');
    assert.deepEqual(await visibleKeys(page), ['Site/blog', 'Site/docs', 'Site/shop']);
    await page.type('#f-text', 'shop');
    await waitFor('one row', async () => (await visibleKeys(page)).join() === 'Site/shop');
    assert.match(await text(page, 'counts'), /Ready 1/);
    await screenshot(page, 'dashboard-list');
  });

  await t.test("a Site's details show its events and access-log lines as they happen", async () => {
    await open(page, 'Site/shop');
    await page.waitForFunction(`document.querySelectorAll('#detail-events li').length > 0`);
    assert.equal(await text(page, 'detail-phase'), 'Ready');
    assert.match(await text(page, 'detail-spec'), /shop\.e2e\.test/);
    // A live log line: a request nginx writes to this Site's access log.
    // The log stream needs the token: the first use asks for it, once for this browser session.
    await page.click('#logs-follow');
    await page.waitForFunction(`document.getElementById('logs-state').textContent === '(live)'`);
    assert.equal(prompts, 1);
    const marker = `/live-${Date.now()}`;
    await httpGet(env.port, 'shop.e2e.test', marker);
    await waitFor('the access-log line on the page', async () =>
      (await text(page, 'detail-logs')).includes(marker),
    );
    // A live event: an edit of the Site is applied and reported while the page stays open.
    const before = await inPage<number>(page, `document.querySelectorAll('#detail-events li').length`);
    env.write('shop.yaml', staticSiteYaml('shop', join(env.www, 'shop'), '  headers: { X-Edit: "1" }\n'));
    await waitFor(
      'a new event in the detail view',
      async () =>
        (await inPage<number>(page, `document.querySelectorAll('#detail-events li').length`)) > before,
    );
    await screenshot(page, 'dashboard-detail');
  });

  await t.test('restarting a Program from the page changes its pid', async () => {
    const before = await pidsOf(env, 'Program/worker');
    // Not polled: nothing restarts the worker before this, so no pid means it crashed.
    assert.match(before, /^\d+$/, JSON.stringify(await env.resource('Program/worker')));
    await open(page, 'Program/worker');
    await waitFor('the pid on the page', async () => (await text(page, 'detail-outputs')).includes(before));
    await page.click('#controls button[data-action="restart"]');
    await page.waitForFunction(`/restart: done/.test(document.getElementById('control-result').textContent)`);
    const after = await waitFor('a new pid', async () => {
      const p = await pidsOf(env, 'Program/worker');
      return /^\d+$/.test(p) && p !== before ? p : undefined;
    });
    await waitFor('the new pid on the page', async () =>
      (await text(page, 'detail-outputs')).includes(after),
    );
    assert.equal(prompts, 1, 'the token was asked for once');
  });

  await t.test('a suspended Site reports drift and does not heal it', async () => {
    await open(page, 'Site/blog');
    await page.click('#controls button[data-action="suspend"]');
    await waitFor(
      'Site/blog Suspended',
      async () => (await env.resource('Site/blog'))?.phase === 'Suspended',
    );
    await waitFor('Suspended on the page', async () => (await text(page, 'detail-phase')) === 'Suspended');
    const [vhost] = filesContaining(env.root, 'blog.e2e.test').filter((f) => f.endsWith('.conf'));
    assert.ok(vhost, 'the rendered vhost of Site/blog');
    writeFileSync(vhost, `${readFileSync(vhost, 'utf8')}# edited by hand\n`);
    await waitFor('the drift reported on the page', async () =>
      /drift not applied/.test(await text(page, 'detail-conditions')),
    );
    await waitFor('the held change in the detail plan', async () =>
      /update Site\/blog/.test(await text(page, 'detail-plan')),
    );
    // Passes go on (resync every 2 s) and leave the edit where it is.
    const passOf = () => text(page, 'd-pass');
    const pass = await passOf();
    await waitFor('two more passes', async () => (await passOf()) !== pass);
    const next = await passOf();
    await waitFor('another pass', async () => (await passOf()) !== next);
    assert.match(readFileSync(vhost, 'utf8'), /# edited by hand/);
    assert.equal(prompts, 1, 'still one prompt');
  });

  await t.test(
    'the plan of an edit made while paused reads as `tend reconcile --plan` prints it',
    async () => {
      await page.evaluate(`location.hash = '#/plan'`);
      await page.waitForFunction(`!document.getElementById('plan-view').hidden`);
      await page.click('#daemon-pause');
      await waitFor('the daemon paused', async () => /PAUSED/.test(await text(page, 'd-queue')));
      env.write('docs.yaml', staticSiteYaml('docs', join(env.www, 'docs'), '  headers: { X-Paused: "1" }\n'));
      await waitFor('the edit in the page plan', async () =>
        /Site\/docs will be updated/.test(await text(page, 'plan-text')),
      );
      const cli = await env.tend('reconcile', '--plan');
      const shown = await text(page, 'plan-text');
      assert.equal(shown, cli.stdout, 'the page shows the CLI plan verbatim');
      assert.match(shown, /X-Paused/);
      // Paused: nothing was applied.
      assert.equal((await httpGet(env.port, 'docs.e2e.test', '/')).status, 200);
      assert.doesNotMatch(
        filesContaining(env.root, 'docs.e2e.test')
          .filter((f) => f.endsWith('.conf'))
          .map((f) => readFileSync(f, 'utf8'))
          .join(),
        /X-Paused/,
      );
      await screenshot(page, 'dashboard-plan');
      await page.click('#daemon-resume');
      await waitFor('not paused', async () => !/PAUSED/.test(await text(page, 'd-queue')));
    },
  );

  assert.deepEqual(errors, []);
});
