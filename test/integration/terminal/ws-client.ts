// A tiny raw WebSocket client for the terminal tests, independent of the server's ws library: masked
// frames out (or any bytes at all), output collected as text, pongs and the close code and reason
// recorded, and a refused upgrade reported with its HTTP status.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Duplex } from 'node:stream';
import { encodeFrame, FrameParser, OPCODE, closePayload } from './ws-frame.js';

export interface TestSocket {
  output(): string;
  controls: Array<Record<string, unknown>>;
  pongs: Buffer[];
  closed: Promise<{ code: number; reason: string }>;
  sendJson(value: unknown): void;
  sendRaw(opcode: number, payload: Buffer, fin?: boolean): void;
  /** Writes bytes as they are: for frames no conforming client would send. */
  sendBytes(bytes: Buffer): void;
  close(code?: number): void;
  destroy(): void;
}

export type ConnectResult = { ok: true; ws: TestSocket } | { ok: false; status: number; body: string };

export function connect(
  url: string,
  headers: Record<string, string> = {},
  opts: { localAddress?: string } = {},
): Promise<ConnectResult> {
  const target = new URL('ws', url);
  return new Promise((resolve, reject) => {
    const req = request({
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      agent: false,
      host: target.hostname.replace(/^\[|\]$/g, ''),
      port: target.port,
      path: target.pathname,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        ...headers,
      },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ ok: false, status: res.statusCode ?? 0, body }));
    });
    req.on('upgrade', (_res, socket: Duplex, head: Buffer) => resolve({ ok: true, ws: wrap(socket, head) }));
    req.end();
  });
}

function wrap(socket: Duplex, head: Buffer): TestSocket {
  const parser = new FrameParser({ requireMask: false, maxPayload: 16 * 1024 * 1024 });
  const chunks: Buffer[] = [];
  const controls: Array<Record<string, unknown>> = [];
  const pongs: Buffer[] = [];
  let settle: (v: { code: number; reason: string }) => void = () => undefined;
  const closed = new Promise<{ code: number; reason: string }>((r) => (settle = r));
  const send = (opcode: number, payload: Buffer, fin = true) => {
    if (socket.writable) socket.write(encodeFrame(opcode, payload, { fin, mask: randomBytes(4) }));
  };
  const onData = (chunk: Buffer) => {
    for (const f of parser.push(chunk)) {
      if (f.opcode === OPCODE.binary) chunks.push(f.payload);
      else if (f.opcode === OPCODE.text)
        controls.push(JSON.parse(f.payload.toString()) as Record<string, unknown>);
      else if (f.opcode === OPCODE.ping) send(OPCODE.pong, f.payload);
      else if (f.opcode === OPCODE.pong) pongs.push(f.payload);
      else if (f.opcode === OPCODE.close) {
        const code = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
        settle({ code, reason: f.payload.subarray(2).toString() });
        send(OPCODE.close, f.payload.subarray(0, 2));
        socket.end();
      }
    }
  };
  socket.on('data', onData);
  socket.on('close', () => settle({ code: 1006, reason: 'socket closed' }));
  socket.on('error', () => undefined);
  if (head.length > 0) onData(head);
  return {
    output: () => Buffer.concat(chunks).toString('utf8'),
    controls,
    pongs,
    closed,
    sendJson: (value) => send(OPCODE.text, Buffer.from(JSON.stringify(value))),
    sendRaw: send,
    sendBytes: (bytes) => void (socket.writable && socket.write(bytes)),
    close: (code = 1000) => send(OPCODE.close, closePayload(code, 'bye')),
    destroy: () => socket.destroy(),
  };
}

/** Polls `check` until it returns true or `ms` passes (generous by design: no timing assertions). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  ms = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}
