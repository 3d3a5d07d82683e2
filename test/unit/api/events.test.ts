// GET /v1/events over a real socket (inject buffers whole responses): frames, keep-alive, unsubscribe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import { listen } from '../../../src/api/listen.js';
import { buildServer } from '../../../src/api/server.js';
import { sseEventName, sseFrame } from '../../../src/api/events.js';
import { FakeDeps, SECRET } from './fake-deps.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function openStream(url: string) {
  const res = await new Promise<IncomingMessage>((resolve, reject) => get(url, resolve).on('error', reject));
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (text += chunk));
  res.on('error', () => {});
  return { res, received: () => text };
}

async function start(t: { after: (fn: () => unknown) => void }, keepAliveMs = 60_000) {
  const deps = new FakeDeps();
  const app = buildServer(deps, { sseKeepAliveMs: keepAliveMs });
  const bound = await listen(app, '127.0.0.1:0');
  t.after(() => bound.close());
  return { deps, bound };
}

test('an event reaches the client as `event: <reason>` with masked JSON data', async (t) => {
  const { deps, bound } = await start(t);
  const stream = await openStream(`${bound.url}/v1/events`);
  t.after(() => stream.res.destroy());
  assert.equal(stream.res.statusCode, 200);
  assert.equal(stream.res.headers['content-type'], 'text/event-stream; charset=utf-8');
  assert.equal(stream.res.headers['x-content-type-options'], 'nosniff');
  await until('the connected comment', () => stream.received().includes(': connected'));
  assert.equal(deps.subscribers, 1);
  deps.emit({
    reason: 'Applied',
    key: 'Program/worker',
    type: 'Normal',
    message: 'applied generation abc',
    env: { DB_PASS: { value: SECRET, secret: true } },
  });
  await until('the event frame', () => stream.received().includes('event: Applied\n'));
  const frame = /event: Applied\ndata: (.*)\n\n/.exec(stream.received());
  assert.ok(frame, 'a complete frame');
  const data = JSON.parse(frame[1]!);
  assert.equal(data.key, 'Program/worker');
  assert.equal(data.env.DB_PASS.value, '(sensitive)');
  assert.ok(!stream.received().includes(SECRET));
});

test('keep-alive comments flow and a client that goes away is unsubscribed', async (t) => {
  const { deps, bound } = await start(t, 20);
  const stream = await openStream(`${bound.url}/v1/events`);
  await until('a keep-alive comment', () => stream.received().includes(': keep-alive\n\n'));
  assert.equal(deps.subscribers, 1);
  stream.res.destroy();
  await until('the unsubscribe', () => deps.subscribers === 0);
});

test('?as=message sends unnamed frames for EventSource.onmessage; close() ends open streams', async (t) => {
  const { deps, bound } = await start(t);
  const stream = await openStream(`${bound.url}/v1/events?as=message`);
  await until('the connected comment', () => stream.received().includes(': connected'));
  deps.emit({ reason: 'ProcessExited', key: 'Program/worker', message: 'exit 1' });
  await until('the frame', () => stream.received().includes('data: {'));
  assert.doesNotMatch(stream.received(), /^event:/m);
  const ended = new Promise<void>((resolve) => stream.res.on('close', () => resolve()));
  await bound.close();
  await ended;
  assert.equal(deps.subscribers, 0);
});

test('hostile reasons cannot inject SSE fields', () => {
  assert.equal(sseEventName('Bad\nevent: x'), 'Bad_event__x');
  assert.equal(sseEventName(''), 'message');
  const frame = sseFrame({ reason: 'A\r\nB', message: 'line1\nline2' }, true);
  assert.equal(frame.split('\n').length, 4, 'event line, data line, blank line');
  assert.match(frame, /^event: A__B\ndata: \{.*\}\n\n$/);
});
