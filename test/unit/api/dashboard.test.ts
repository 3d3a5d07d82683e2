// The dashboard's static files: served from web/dashboard by @fastify/static with a safe Content-Type
// and a strict CSP, only same-origin assets, no HTML-parsing sinks, no dotfiles or directory listing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildServer } from '../../../src/api/server.js';
import { dashboardRoot } from '../../../src/api/dashboard.js';
import { FakeDeps } from './fake-deps.js';

test('GET / serves the dashboard page with a safe Content-Type and a strict Content-Security-Policy', async (t) => {
  const app = buildServer(new FakeDeps());
  t.after(() => app.close());
  const res = await app.inject('/');
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  const csp = res.headers['content-security-policy'] as string;
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /connect-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.match(res.body, /<script type="module" src="app.js"><\/script>/);
  // No inline code: the CSP allows only files of this origin.
  assert.doesNotMatch(res.body, /<script>|<style>|\son[a-z]+=/i);

  for (const [file, type] of [
    ['app.js', /javascript/],
    ['list.js', /javascript/],
    ['detail.js', /javascript/],
    ['api.js', /javascript/],
    ['dashboard.css', /text\/css/],
  ] as const) {
    const asset = await app.inject(`/${file}`);
    assert.equal(asset.statusCode, 200, file);
    assert.match(String(asset.headers['content-type']), type, file);
    assert.ok(asset.headers['content-security-policy'], `${file} carries the CSP`);
  }
});

test('the dashboard files load nothing external and never parse strings as HTML', () => {
  const root = dashboardRoot();
  for (const file of readdirSync(root)) {
    const text = readFileSync(join(root, file), 'utf8');
    assert.doesNotMatch(text, /https?:\/\//, `${file}: no absolute URLs`);
    assert.doesNotMatch(text, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/, file);
    if (file.endsWith('.js')) assert.match(text, /^\/\/ @ts-check\n/, `${file} is type-checked`);
  }
});

test('the static server lists no directory and serves no dotfile or path outside its root', async (t) => {
  const app = buildServer(new FakeDeps());
  t.after(() => app.close());
  for (const url of ['/../package.json', '/%2e%2e/package.json', '/.hidden', '/nothing.js']) {
    const res = await app.inject(url);
    assert.ok(res.statusCode === 404 || res.statusCode === 403, `${url}: ${res.statusCode}`);
  }
});
