// The dashboard page: self-contained, safe Content-Type, a strict CSP that matches its inline code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { buildServer } from '../../../src/api/server.js';
import { FakeDeps } from './fake-deps.js';

test('GET / serves the dashboard with a safe Content-Type and a Content-Security-Policy', async (t) => {
  const app = buildServer(new FakeDeps());
  t.after(() => app.close());
  const res = await app.inject('/');
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  const csp = res.headers['content-security-policy'] as string;
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /connect-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);

  // The CSP hashes must match the inline blocks exactly, or browsers would refuse to run the page.
  for (const [tag, directive] of [
    ['script', 'script-src'],
    ['style', 'style-src'],
  ] as const) {
    const body = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(res.body)?.[1];
    assert.ok(body !== undefined, `inline ${tag}`);
    const hash = createHash('sha256').update(body, 'utf8').digest('base64');
    assert.ok(csp.includes(`${directive} 'sha256-${hash}'`), `${directive} hash`);
  }
});

test('the dashboard loads nothing external and inserts text only through textContent', async (t) => {
  const app = buildServer(new FakeDeps());
  t.after(() => app.close());
  const html = (await app.inject('/')).body;
  assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i, 'no external assets');
  assert.doesNotMatch(html, /https?:\/\//, 'no absolute URLs');
  assert.doesNotMatch(html, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  assert.match(html, /textContent/);
  for (const heading of ['KIND/NAME', 'PHASE', 'READY', 'MESSAGE'])
    assert.ok(html.includes(`<th>${heading}</th>`));
  assert.match(html, /getJson\('\/v1\/resources'\)/);
  assert.match(html, /new EventSource\('\/v1\/events\?as=message'\)/);
});
