// The browser script against a fake DOM, WebSocket and xterm: it connects first on the login cookie
// (no token in the message, none read from the URL), output is written, pastes are split, 4401 brings
// the form, and a token typed there is sent as the first message of a new socket.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test, type TestContext } from 'node:test';
import { webDir } from '../../../src/layout/web-files.js';

const CLIENT_JS = readFileSync(join(webDir('terminal', 'terminal.js'), 'terminal.js'), 'utf8');
import { tempDir } from '../../helpers/tmp.js';

const FAKE_XTERM = `export class Terminal {
  constructor() { this.cols = 80; this.rows = 24; this.written = []; globalThis.__term = this; }
  open() {} focus() {}
  resize(c, r) { this.cols = c; this.rows = r; this.resizeFn && this.resizeFn({ cols: c, rows: r }); }
  onResize(fn) { this.resizeFn = fn; } onData(fn) { this.dataFn = fn; }
  write(d) { this.written.push(d); }
  reset() { this.written = []; }
  loadAddon(addon) { addon.term = this; }
}`;

/** Fits to the box as the real addon does: 8.5 × 17 px cells. */
const FAKE_FIT = `export class FitAddon {
  fit() {
    const box = globalThis.document.getElementById('term');
    const cols = Math.floor(box.clientWidth / 8.5);
    const rows = Math.floor(box.clientHeight / 17);
    if (cols !== this.term.cols || rows !== this.term.rows) this.term.resize(cols, rows);
  }
}`;

class FakeSocket {
  static OPEN = 1;
  static last: FakeSocket | undefined;
  readyState = 1;
  sent: string[] = [];
  binaryType = '';
  onopen?: () => void;
  onmessage?: (e: { data: unknown }) => void;
  onclose?: (e: { code: number; reason: string }) => void;
  constructor(readonly url: URL) {
    FakeSocket.last = this;
  }
  send(data: string) {
    this.sent.push(data);
  }
}

/** Loads the page script against the fakes; `loggedIn` is the server's mark for a valid login cookie. */
async function loadPage(t: TestContext, loggedIn: boolean) {
  FakeSocket.last = undefined;
  const dir = tempDir(t);
  writeFileSync(join(dir, 'xterm.mjs'), FAKE_XTERM);
  writeFileSync(join(dir, 'addon-fit.mjs'), FAKE_FIT);
  writeFileSync(join(dir, 'terminal.mjs'), CLIENT_JS);
  const listeners = new Map<string, (e: { preventDefault(): void }) => void>();
  const el = () => ({
    textContent: '',
    hidden: true,
    value: '',
    clientWidth: 850,
    clientHeight: 340,
    addEventListener(type: string, fn: (e: { preventDefault(): void }) => void) {
      listeners.set(type, fn);
    },
  });
  const nodes: Record<string, ReturnType<typeof el>> = {
    status: el(),
    auth: el(),
    token: el(),
    term: el(),
    reconnect: el(),
  };
  const replaced: string[] = [];
  Object.assign(globalThis, {
    document: {
      body: { dataset: loggedIn ? { login: 'cookie' } : {} },
      getElementById: (id: string) => nodes[id],
    },
    location: {
      hash: '#token=' + 'ab'.repeat(32),
      href: 'http://127.0.0.1:20001/t/ops/#token=' + 'ab'.repeat(32),
      pathname: '/t/ops/',
      search: '',
      protocol: 'http:',
    },
    history: { replaceState: (_s: unknown, _t: string, url: string) => replaced.push(url) },
    window: { addEventListener() {} },
    WebSocket: FakeSocket,
  });
  t.after(() => {
    for (const k of ['document', 'location', 'history', 'window', 'WebSocket', '__term'])
      delete (globalThis as Record<string, unknown>)[k];
  });
  await import(pathToFileURL(join(dir, 'terminal.mjs')).href);
  return { nodes, listeners, replaced };
}

test('the page script connects on the cookie, wires I/O, and falls back to the token form', async (t) => {
  const { nodes, listeners, replaced } = await loadPage(t, true);
  const ws = FakeSocket.last!;
  assert.equal(ws.url.href, 'ws://127.0.0.1:20001/t/ops/ws');
  assert.deepEqual(replaced, []);
  ws.onopen!();
  const hello = JSON.parse(ws.sent[0]!) as { auth?: string; cols: number; rows: number };
  assert.equal(hello.auth, undefined, 'a token in the URL is never used: the cookie authenticates');
  assert.equal(hello.cols, 100);
  assert.equal(hello.rows, 20);
  ws.onmessage!({ data: JSON.stringify({ type: 'ready', mode: 'read-only', session: 'x' }) });
  assert.match(nodes.status!.textContent, /read-only/);
  ws.onmessage!({ data: new Uint8Array([104, 105]).buffer });
  const term = (globalThis as unknown as { __term: { written: Uint8Array[]; dataFn: (d: string) => void } })
    .__term;
  assert.deepEqual([...term.written[0]!], [104, 105]);
  term.dataFn('y'.repeat(20000));
  const inputs = ws.sent.slice(1).map((s) => JSON.parse(s) as { type: string; data: string });
  assert.equal(inputs.length, 3, 'a 20000-character paste goes in pieces');
  assert.equal(inputs.map((m) => m.data).join('').length, 20000);
  ws.onclose!({ code: 4401, reason: 'unauthorized' });
  assert.equal(nodes.auth!.hidden, false, 'a refused connection brings the form');
  assert.match(nodes.status!.textContent, /4401/);
  nodes.token!.value = ' ' + 'cd'.repeat(32) + ' ';
  listeners.get('submit')!({ preventDefault() {} });
  const second = FakeSocket.last!;
  assert.notEqual(second, ws);
  assert.equal(nodes.token!.value, '', 'the typed token is cleared from the field');
  second.onopen!();
  assert.equal((JSON.parse(second.sent[0]!) as { auth: string }).auth, 'cd'.repeat(32));
});

test('without a login the page asks for the token before it opens any socket', async (t) => {
  const { nodes, listeners } = await loadPage(t, false);
  assert.equal(FakeSocket.last, undefined, 'no connection that could only be refused');
  assert.equal(nodes.auth!.hidden, false);
  nodes.token!.value = 'ef'.repeat(32);
  listeners.get('submit')!({ preventDefault() {} });
  const ws = FakeSocket.last!;
  ws.onopen!();
  assert.equal((JSON.parse(ws.sent[0]!) as { auth: string }).auth, 'ef'.repeat(32));
  ws.onmessage!({ data: JSON.stringify({ type: 'ready', mode: 'read-write', session: 'y' }) });
  assert.equal(nodes.reconnect!.hidden, true, 'no reconnect button while connected');

  // The shell exits: a reconnect button, which opens a new session with the same token.
  ws.onclose!({ code: 1000, reason: 'the shell exited' });
  assert.equal(nodes.reconnect!.hidden, false);
  assert.equal(nodes.auth!.hidden, true, 'no token form after a normal close');
  listeners.get('click')!({ preventDefault() {} });
  const again = FakeSocket.last!;
  assert.notEqual(again, ws);
  assert.equal(nodes.reconnect!.hidden, true);
  again.onopen!();
  assert.equal((JSON.parse(again.sent[0]!) as { auth: string }).auth, 'ef'.repeat(32));
});
