// Shared by the browser tests: Debian's chromium, headless, driven by puppeteer-core; a loopback
// proxy in front of the API whose connections a test can cut (a dropped event stream); screenshots
// saved under test-output/ (git-ignored) as artifacts.
import { mkdirSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { REPO } from '../helpers/e2e.js';

export const CHROMIUM = process.env.TEND_CHROMIUM ?? '/usr/bin/chromium';
export const OUTPUT_DIR = join(REPO, 'test-output');

export async function launchChromium(t: { after: (fn: () => Promise<void>) => void }): Promise<Browser> {
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // root in CI has no user namespaces for chromium's sandbox; the pages are tend's own.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run'],
    protocolTimeout: 120_000,
  });
  t.after(() => browser.close());
  return browser;
}

/** A page that fails the test's log with whatever the dashboard threw or logged as an error. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource|EventSource/.test(msg.text()))
      errors.push(msg.text());
  });
  page.setDefaultTimeout(60_000);
  await page.setViewport({ width: 1400, height: 900 });
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('body[data-loaded]');
  return { page, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const path = join(OUTPUT_DIR, `${name}.png`);
  await page.screenshot({ path: path as `${string}.png`, fullPage: true });
  return path;
}

/** A TCP proxy to `port` on loopback; cut() drops every open connection, as a flaky network would. */
export interface CutProxy {
  port: number;
  cut(): number;
  close(): Promise<void>;
}

export async function cutProxy(target: number): Promise<CutProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    cut() {
      const n = sockets.size;
      for (const s of sockets) s.destroy();
      return n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The row of `key` in the list: its phase as the page shows it, or undefined when not shown. */
export const rowPhase = (page: Page, key: string) =>
  page.evaluate(`document.querySelector('#rows tr[data-key="${key}"]')?.dataset.phase`) as Promise<
    string | undefined
  >;

/** Evaluates browser-side code given as text (this project's tsconfig has no DOM types). */
export const inPage = <T>(page: Page, code: string) => page.evaluate(code) as Promise<T>;
