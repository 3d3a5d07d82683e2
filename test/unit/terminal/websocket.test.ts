// RFC 6455 framing and the server connection over a fake socket: handshake key, masking rules,
// fragmentation, control frames, size limits (1009), invalid UTF-8 (1007), ping/pong and close.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import { test } from 'node:test';
import { WebSocketConnection } from '../../../src/terminal/websocket.js';
import {
  acceptKey,
  closePayload,
  encodeFrame,
  FrameParser,
  OPCODE,
  WsProtocolError,
} from '../../../src/terminal/ws-frame.js';

test('the accept key matches RFC 6455 §1.3', () => {
  assert.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});

test('masked frames of every length class round-trip, fed one byte at a time', () => {
  for (const len of [0, 1, 125, 126, 65535, 65536]) {
    const payload = randomBytes(len);
    const wire = encodeFrame(OPCODE.binary, payload, { mask: randomBytes(4) });
    const parser = new FrameParser({ requireMask: true, maxPayload: 1 << 20 });
    const frames = len < 200 ? [...wire].flatMap((b) => parser.push(Buffer.from([b]))) : parser.push(wire);
    assert.equal(frames.length, 1, `length ${len}`);
    assert.ok(frames[0]!.payload.equals(payload));
    assert.equal(frames[0]!.fin, true);
  }
});

function violation(bytes: Buffer, requireMask = true, maxPayload = 1024): number | undefined {
  try {
    new FrameParser({ requireMask, maxPayload }).push(bytes);
    return undefined;
  } catch (err) {
    assert.ok(err instanceof WsProtocolError);
    return err.code;
  }
}

test('protocol violations carry the close code the peer must get', () => {
  const mask = randomBytes(4);
  assert.equal(violation(encodeFrame(OPCODE.text, Buffer.from('x'))), 1002, 'unmasked client frame');
  assert.equal(
    violation(encodeFrame(OPCODE.text, Buffer.from('x'), { mask }), false),
    1002,
    'masked server frame',
  );
  assert.equal(violation(encodeFrame(OPCODE.ping, Buffer.alloc(126), { mask })), 1002, 'control > 125 bytes');
  assert.equal(
    violation(encodeFrame(OPCODE.ping, Buffer.alloc(1), { mask, fin: false })),
    1002,
    'fragmented ping',
  );
  assert.equal(violation(encodeFrame(3, Buffer.alloc(1), { mask })), 1002, 'reserved opcode');
  const rsv = encodeFrame(OPCODE.text, Buffer.from('x'), { mask });
  rsv[0] = rsv[0]! | 0x40;
  assert.equal(violation(rsv), 1002, 'RSV1 without an extension');
  assert.equal(violation(encodeFrame(OPCODE.binary, Buffer.alloc(2000), { mask })), 1009, 'too big');
  const huge = Buffer.from([0x82, 0xff, 0, 0, 0, 1, 0, 0, 0, 0]);
  assert.equal(violation(huge), 1009, 'a 64-bit length is refused before any payload arrives');
});

test('close payloads keep the reason within 123 bytes', () => {
  const p = closePayload(4000, 'é'.repeat(100));
  assert.equal(p.readUInt16BE(0), 4000);
  assert.ok(p.length <= 125);
  assert.doesNotMatch(p.subarray(2).toString('utf8'), /\uFFFD/);
});

class FakeSocket extends Duplex {
  written: Buffer[] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.written.push(chunk);
    cb();
  }
  frames() {
    const all = Buffer.concat(this.written);
    const body = all.subarray(all.indexOf('\r\n\r\n') + 4);
    return new FrameParser({ requireMask: false, maxPayload: 1 << 20 }).push(body);
  }
}

function open() {
  const socket = new FakeSocket();
  const req = {
    headers: { 'sec-websocket-key': randomBytes(16).toString('base64') },
  } as unknown as IncomingMessage;
  const conn = WebSocketConnection.accept(req, socket, Buffer.alloc(0), 64);
  const messages: string[] = [];
  const closes: number[] = [];
  conn.on('message', (d: Buffer) => messages.push(d.toString()));
  conn.on('close', (code: number) => closes.push(code));
  const send = (op: number, data: string | Buffer, fin = true) =>
    socket.push(encodeFrame(op, Buffer.from(data), { fin, mask: randomBytes(4) }));
  return { socket, conn, messages, closes, send };
}

test('fragments are reassembled and pings answered in between', async () => {
  const c = open();
  c.send(OPCODE.text, 'hel', false);
  c.send(OPCODE.ping, 'p');
  c.send(OPCODE.continuation, 'lo');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(c.messages, ['hello']);
  assert.ok(c.socket.frames().some((f) => f.opcode === OPCODE.pong && f.payload.toString() === 'p'));
  assert.match(Buffer.concat(c.socket.written).toString(), /^HTTP\/1\.1 101/);
});

test('a fragmented message over the limit closes with 1009; bad UTF-8 with 1007', async () => {
  const big = open();
  big.send(OPCODE.text, 'x'.repeat(40), false);
  big.send(OPCODE.continuation, 'x'.repeat(40));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(big.closes, [1009]);
  assert.deepEqual(big.messages, []);
  const bad = open();
  bad.send(OPCODE.text, Buffer.from([0xc3, 0x28]));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(bad.closes, [1007]);
});

test('a peer close is echoed and reported once with its code', async () => {
  const c = open();
  c.send(OPCODE.close, closePayload(1000, 'bye'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(c.closes, [1000]);
  const echoed = c.socket.frames().find((f) => f.opcode === OPCODE.close);
  assert.equal(echoed?.payload.readUInt16BE(0), 1000);
  c.conn.send('ignored after close');
  assert.equal(c.socket.frames().filter((f) => f.opcode === OPCODE.text).length, 0);
});
