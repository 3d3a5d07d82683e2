// Runs the dashboard's inline script against a tiny fake DOM: rows are filled from /v1/resources,
// hostile values land as text, and an event refreshes just the resource it names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { DASHBOARD_HTML } from '../../../src/api/dashboard.js';

class FakeElement {
  children: FakeElement[] = [];
  textContent = '';
  className = '';
  parent?: FakeElement;
  constructor(readonly tag: string) {}
  appendChild(child: FakeElement) {
    return this.insertBefore(child, null);
  }
  insertBefore(child: FakeElement, before: FakeElement | null | undefined) {
    child.parent = this;
    const at = before ? this.children.indexOf(before) : -1;
    if (at < 0) this.children.push(child);
    else this.children.splice(at, 0, child);
    return child;
  }
  remove() {
    if (this.parent) this.parent.children = this.parent.children.filter((c) => c !== this);
  }
  set innerHTML(_v: string) {
    throw new Error('the dashboard must not use innerHTML');
  }
}

const HOSTILE = '<img src=x onerror=alert(1)>';

test('the dashboard script renders rows as text and follows events', async () => {
  const script = /<script>([\s\S]*?)<\/script>/.exec(DASHBOARD_HTML)![1]!;
  const rows = new FakeElement('tbody');
  const conn = new FakeElement('p');
  let views: Record<string, unknown> = {
    'Site/shop': {
      key: 'Site/shop',
      status: { phase: 'Ready', conditions: [{ type: 'Ready', status: 'True', message: HOSTILE }] },
    },
    'Pool/php': { key: 'Pool/php', status: { phase: 'Failed', conditions: [] } },
  };
  const fetched: string[] = [];
  const sources: Array<{ url: string; onmessage?: (m: { data: string }) => void; onopen?: () => void }> = [];
  const context = {
    document: {
      getElementById: (id: string) => (id === 'rows' ? rows : conn),
      createElement: (tag: string) => new FakeElement(tag),
    },
    fetch: async (url: string) => {
      fetched.push(url);
      const single = /^\/v1\/resources\/([^/]+)\/([^/]+)$/.exec(url);
      const body = single ? views[`${single[1]}/${single[2]}`] : { items: Object.values(views) };
      return { ok: body !== undefined, status: body === undefined ? 404 : 200, json: async () => body };
    },
    EventSource: class {
      constructor(readonly url: string) {
        sources.push(this as never);
      }
    },
    setTimeout: (fn: () => void) => setTimeout(fn, 0),
    console,
  };
  runInNewContext(script, context);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  await settle();

  const table = () => rows.children.map((tr) => tr.children.map((td) => td.textContent));
  assert.deepEqual(table(), [
    ['Pool/php', 'Failed', '', ''],
    ['Site/shop', 'Ready', 'True', HOSTILE],
  ]);
  assert.equal(rows.children[0]!.children[1]!.className, 'phase-Failed');
  assert.equal(sources[0]!.url, '/v1/events?as=message');

  views = { ...views, 'Site/shop': { key: 'Site/shop', status: { phase: 'Degraded', conditions: [] } } };
  fetched.length = 0;
  sources[0]!.onmessage!({ data: JSON.stringify({ reason: 'ProbeFailed', key: 'Site/shop' }) });
  await settle();
  assert.deepEqual(fetched, ['/v1/resources/Site/shop']);
  assert.deepEqual(table()[1], ['Site/shop', 'Degraded', '', '']);

  delete views['Pool/php'];
  sources[0]!.onmessage!({ data: JSON.stringify({ reason: 'Deleted', key: 'Pool/php' }) });
  await settle();
  assert.deepEqual(
    table().map((r) => r[0]),
    ['Site/shop'],
  );
});
