// Attacks on the Terminal's WebSocket, against the real server (ws underneath) over real TCP with a
// raw client: malformed frames before and after auth, DNS rebinding, and a flood of idle sockets.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import {
  expectGone,
  killLeftovers,
  spec,
  startServer,
  type Harness,
} from '../integration/terminal/harness.js';
import { connect, waitFor, type TestSocket } from '../integration/terminal/ws-client.js';
import { closePayload, encodeFrame, OPCODE } from '../integration/terminal/ws-frame.js';

const masked = (opcode: number, payload: Buffer, fin = true) =>
  encodeFrame(opcode, payload, { fin, mask: randomBytes(4) });

/** A frame header announcing `len` bytes with the 64-bit length form, and no payload after it. */
const hugeHeader = (len: bigint) => {
  const b = Buffer.alloc(14);
  b[0] = 0x82;
  b[1] = 0x80 | 127;
  b.writeBigUInt64BE(len, 2);
  return b;
};

const withRsv = (bit: number) => {
  const f = masked(OPCODE.text, Buffer.from('{}'));
  f[0] = f[0]! | bit;
  return f;
};

/** Each case: the bytes sent and the close code ws must answer with. */
const FRAME_CASES: Array<[string, Buffer[], number]> = [
  ['an unmasked frame', [encodeFrame(OPCODE.text, Buffer.from('{}'))], 1002],
  ['a 2^63 length', [hugeHeader(1n << 63n)], 1009],
  ['a 2^64-1 length', [hugeHeader((1n << 64n) - 1n)], 1009],
  ['a 64 KiB + 1 frame', [masked(OPCODE.binary, Buffer.alloc(64 * 1024 + 1))], 1009],
  [
    'fragments adding up to more than 64 KiB',
    [
      masked(OPCODE.text, Buffer.alloc(40 * 1024, 0x20), false),
      masked(OPCODE.continuation, Buffer.alloc(40 * 1024, 0x20)),
    ],
    1009,
  ],
  ['a stray continuation', [masked(OPCODE.continuation, Buffer.from('x'))], 1002],
  ['a fragmented ping', [masked(OPCODE.ping, Buffer.from('p'), false)], 1002],
  ['a 126-byte ping', [masked(OPCODE.ping, Buffer.alloc(126))], 1002],
  ['RSV1 without an extension', [withRsv(0x40)], 1002],
  ['RSV2', [withRsv(0x20)], 1002],
  ['RSV3', [withRsv(0x10)], 1002],
  ['opcode 3', [masked(3, Buffer.from('x'))], 1002],
  ['opcode 11', [masked(11, Buffer.from('x'))], 1002],
  ['invalid UTF-8 in a text frame', [masked(OPCODE.text, Buffer.from([0xc3, 0x28]))], 1007],
  ['a close frame with a 1-byte payload', [masked(OPCODE.close, Buffer.from([3]))], 1002],
  ['a close frame with code 0', [masked(OPCODE.close, closePayload(0, ''))], 1002],
];

async function raw(t: TestContext, h: Harness): Promise<TestSocket> {
  const r = await connect(h.url);
  if (!r.ok) throw new Error(`upgrade refused: ${r.status} ${r.body}`);
  t.after(() => r.ws.destroy());
  return r.ws;
}

test('malformed frames before auth are refused by ws with the right code, and no shell starts', async (t) => {
  const h = await startServer(t);
  for (const [what, frames, code] of FRAME_CASES) {
    const ws = await raw(t, h);
    for (const f of frames) ws.sendBytes(f);
    assert.equal((await ws.closed).code, code, what);
  }
  assert.deepEqual(h.spawned, []);
  assert.equal(h.server.status().sessions.length, 0);
});

test('auth messages that are not a token object are refused with 4401', async (t) => {
  const h = await startServer(t);
  const cases: Array<[string, Buffer, number]> = [
    ['binary auth', masked(OPCODE.binary, Buffer.from(JSON.stringify({ auth: h.token }))), 4401],
    ['array auth', masked(OPCODE.text, Buffer.from(JSON.stringify([h.token]))), 4401],
    ['__proto__ auth', masked(OPCODE.text, Buffer.from(`{"__proto__":{"auth":"${h.token}"}}`)), 4401],
    ['no auth and no cookie', masked(OPCODE.text, Buffer.from('{"cols":80,"rows":24}')), 4401],
  ];
  for (const [what, frame, code] of cases) {
    const ws = await raw(t, h);
    ws.sendBytes(frame);
    assert.equal((await ws.closed).code, code, what);
  }
  assert.deepEqual(h.spawned, []);
});

test('malformed frames after auth end the session with the right code and reap its shell', async (t) => {
  const h = await startServer(t, spec({ maxSessions: 50 }));
  killLeftovers(t, () => h.spawned);
  for (const [what, frames, code] of FRAME_CASES) {
    const ws = await h.open();
    const pid = h.spawned.at(-1)!;
    for (const f of frames) ws.sendBytes(f);
    assert.equal((await ws.closed).code, code, what);
    await expectGone([pid]);
  }
  await waitFor(() => h.server.status().sessions.length === 0, 10_000, 'every session to be closed');
});

test('a fragmented auth message with a ping in between is reassembled; the ping is answered', async (t) => {
  const h = await startServer(t);
  killLeftovers(t, () => h.spawned);
  const ws = await raw(t, h);
  const auth = Buffer.from(JSON.stringify({ auth: h.token, cols: 80, rows: 24 }));
  ws.sendBytes(masked(OPCODE.text, auth.subarray(0, 10), false));
  ws.sendBytes(masked(OPCODE.ping, Buffer.from('p')));
  ws.sendBytes(masked(OPCODE.continuation, auth.subarray(10)));
  await waitFor(() => ws.controls.some((c) => c.type === 'ready'), 10_000, 'ready');
  assert.ok(ws.pongs.some((p) => p.toString() === 'p'));
  ws.close();
  await expectGone(h.spawned);
});

test('a peer close is echoed with its code', async (t) => {
  const h = await startServer(t);
  const ws = await raw(t, h);
  ws.close(1000);
  assert.equal((await ws.closed).code, 1000);
});

test('one 64 KiB frame fed in 1 KiB pieces before auth is accepted whole (buffered by ws)', async (t) => {
  const h = await startServer(t);
  const ws = await raw(t, h);
  // A well-formed but wrong auth message padded to just under the limit: refused as a token (4401),
  // which proves the frame was reassembled rather than refused as malformed.
  const body = Buffer.from(JSON.stringify({ auth: 'x', pad: ' '.repeat(64 * 1024 - 40) }));
  assert.ok(body.length <= 64 * 1024);
  const frame = masked(OPCODE.text, body);
  for (let i = 0; i < frame.length; i += 1024) ws.sendBytes(frame.subarray(i, i + 1024));
  assert.equal((await ws.closed).code, 4401);
});

test('a DNS-rebinding Host is refused with 403, for the socket and the page', async (t) => {
  const h = await startServer(t);
  const port = new URL(h.url).port;
  const rebound = await connect(h.url, {
    Host: `evil.example:${port}`,
    Origin: `http://evil.example:${port}`,
  });
  assert.equal(rebound.ok, false);
  assert.equal(!rebound.ok && rebound.status, 403);
  assert.match(!rebound.ok ? rebound.body : '', /localhost, 127\.0\.0\.1 or \[::1\]/);
  const noOrigin = await connect(h.url, { Host: `evil.example:${port}` });
  assert.equal(!noOrigin.ok && noOrigin.status, 403, 'Host is checked even without Origin');
  const { request } = await import('node:http');
  const page = await new Promise<number>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: new URL(h.url).pathname, headers: { Host: `evil.example:${port}` } },
      (res) => (res.resume(), resolve(res.statusCode ?? 0)),
    );
    req.on('error', reject);
    req.end();
  });
  assert.equal(page, 403);
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
    const ok = await connect(h.url, { Host: host, Origin: `http://${host}` });
    assert.ok(ok.ok, `${host} is accepted`);
    ok.ws.destroy();
  }
  assert.deepEqual(h.spawned, []);
});

test("20 idle sockets from the owner's own address do not lock the owner out", async (t) => {
  const h = await startServer(t);
  killLeftovers(t, () => h.spawned);
  const idle: TestSocket[] = [];
  for (let i = 0; i < 20; i++) idle.push(await raw(t, h));
  const owner = await h.open();
  assert.equal(h.server.status().sessions.length, 1, 'the owner got a session');
  // The flood was evicted oldest-first with its own code; at most 8 per address stay pending.
  const closes = await Promise.all(
    idle.slice(0, 12).map((ws) => Promise.race([ws.closed, new Promise((r) => setTimeout(r, 5000))])),
  );
  for (const c of closes) assert.equal((c as { code: number } | undefined)?.code, 4409);
  owner.close();
  await expectGone(h.spawned);
});

test('idle sockets from many addresses (over the global cap) do not lock out an owner', async (t) => {
  const h = await startServer(t);
  killLeftovers(t, () => h.spawned);
  // 127.0.0.0/8 is all local on Linux, so one local user can use 70 source addresses.
  const flood: TestSocket[] = [];
  for (let i = 0; i < 70; i++) {
    const r = await connect(h.url, {}, { localAddress: `127.0.1.${i + 1}` });
    assert.ok(r.ok, 'new sockets are never refused, so none can be locked out');
    t.after(() => r.ws.destroy());
    flood.push(r.ws);
  }
  const owner = await h.open();
  assert.equal(h.server.status().sessions.length, 1);
  // What is held before authentication stays bounded: the oldest were evicted at the global cap (64).
  const evicted = await Promise.all(
    flood.slice(0, 7).map((ws) => Promise.race([ws.closed, new Promise((r) => setTimeout(r, 5000))])),
  );
  for (const c of evicted) assert.equal((c as { code: number } | undefined)?.code, 4409);
  owner.close();
  await expectGone(h.spawned);
});
