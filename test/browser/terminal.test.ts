// The terminal page in headless Chromium against a Terminal of a real `tend serve`: the one-time
// login link from `tend terminal open` connects, status counts the session at once (the resync is
// 10 minutes away), the terminal fits the window through @xterm/addon-fit (the shell sees the new
// size), and after the shell exits a reconnect button opens a new session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BIN, collect } from '../helpers/e2e.js';
import { serveEnv, waitFor } from '../e2e/serve-harness.js';
import { inPage, launchChromium, screenshot } from './chromium.js';

type TermStatus = { phase?: string; outputs?: { url?: string }; health?: { sessions?: number } };

test('terminal page: login link, live session count, fit to the window, reconnect after exit', async (t) => {
  const env = await serveEnv(t, ['--resync', '10m']);
  env.write(
    'term.yaml',
    'apiVersion: tend/v1\nkind: Terminal\nmetadata: { name: term }\nspec:\n  user: nobody\n  shell: /bin/sh\n  mode: read-write\n',
  );
  await env.start();
  const status = async () => (await env.resource('Terminal/term')) as TermStatus | undefined;
  await waitFor('Terminal/term Ready', async () => (await status())?.phase === 'Ready');
  const sessions = async () => (await status())?.health?.sessions;
  assert.equal(await sessions(), 0);

  const opened = await collect(
    spawn(process.execPath, [BIN, 'terminal', 'open', 'term', '--root', env.root], { stdio: 'pipe' }),
  );
  assert.equal(opened.code, 0, opened.stderr);
  const link = opened.stdout.trim();
  assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/t\/term\/login\?ticket=/);

  const browser = await launchChromium(t);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  page.setDefaultTimeout(60_000);
  await page.setViewport({ width: 1000, height: 600 });
  await page.goto(link, { waitUntil: 'domcontentloaded' });
  const statusText = () => inPage<string>(page, `document.getElementById('status').textContent`);
  await waitFor('connected', async () => (await statusText()) === 'connected');
  await waitFor('one session in status', async () => (await sessions()) === 1, 20_000);

  // The shell reports the size the page fitted; a narrower window gives it fewer columns.
  const screenText = () => inPage<string>(page, `document.querySelector('.xterm-rows').textContent`);
  const sttySize = async (tag: string) => {
    await page.keyboard.type(`echo ${tag} $(stty size) end\n`);
    const m = await waitFor(`stty size (${tag})`, async () =>
      new RegExp(`${tag} (\\d+) (\\d+) end`).exec(await screenText()),
    );
    return { rows: Number(m[1]), cols: Number(m[2]) };
  };
  const wide = await sttySize('wide');
  await page.setViewport({ width: 600, height: 400 });
  await page.keyboard.type('clear\n');
  const narrow = await waitFor('a smaller size', async () => {
    const s = await sttySize(`n${Date.now() % 100000}`);
    return s.cols < wide.cols ? s : undefined;
  });
  assert.ok(narrow.rows < wide.rows, `rows ${narrow.rows} < ${wide.rows}`);
  assert.ok(wide.cols > 80, `a 1000 px window fits more than 80 columns (${wide.cols})`);
  await screenshot(page, 'terminal-connected');

  // The shell exits: the session ends, status says so at once, and the page offers a reconnect.
  await page.keyboard.type('exit\n');
  await waitFor('disconnected', async () => /^disconnected/.test(await statusText()));
  await waitFor('no session in status', async () => (await sessions()) === 0, 20_000);
  assert.equal(await inPage(page, `document.getElementById('reconnect').hidden`), false);
  await screenshot(page, 'terminal-exited');
  await page.click('#reconnect');
  await waitFor('connected again', async () => (await statusText()) === 'connected');
  await waitFor('one session again', async () => (await sessions()) === 1, 20_000);
  assert.equal(await inPage(page, `document.getElementById('reconnect').hidden`), true);
  assert.deepEqual(errors, []);
});
