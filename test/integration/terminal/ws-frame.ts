// RFC 6455 framing without I/O, for the tests only: a raw client that can send what a real client
// never would (unmasked, oversized, reserved bits), to prove the server (the ws library) refuses it.

export const OPCODE = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** A violation the peer must hear about: the connection is closed with `code`. */
export class WsProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'WsProtocolError';
  }
}

/** Encodes one frame; clients must pass a 4-byte mask, servers must not (§5.1). */
export function encodeFrame(
  opcode: number,
  payload: Buffer,
  opts: { fin?: boolean; mask?: Buffer } = {},
): Buffer {
  const len = payload.length;
  const extra = len < 126 ? 0 : len <= 0xffff ? 2 : 8;
  const maskLen = opts.mask ? 4 : 0;
  const head = Buffer.alloc(2 + extra + maskLen);
  head[0] = ((opts.fin ?? true) ? 0x80 : 0) | opcode;
  head[1] = (opts.mask ? 0x80 : 0) | (extra === 0 ? len : extra === 2 ? 126 : 127);
  if (extra === 2) head.writeUInt16BE(len, 2);
  if (extra === 8) head.writeBigUInt64BE(BigInt(len), 2);
  if (!opts.mask) return Buffer.concat([head, payload]);
  opts.mask.copy(head, 2 + extra);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ opts.mask[i & 3]!;
  return Buffer.concat([head, body]);
}

/** The payload of a close frame: a 2-byte code and a UTF-8 reason cut to the 123 bytes allowed. */
export function closePayload(code: number, reason: string): Buffer {
  let text = Buffer.from(reason, 'utf8');
  if (text.length > 123)
    text = Buffer.from(
      text
        .subarray(0, 123)
        .toString('utf8')
        .replace(/\uFFFD+$/, ''),
      'utf8',
    );
  const out = Buffer.alloc(2 + text.length);
  out.writeUInt16BE(code, 0);
  text.copy(out, 2);
  return out;
}

export interface ParserOptions {
  /** Server side: every client frame must be masked (§5.1); the client side expects none. */
  requireMask: boolean;
  /** Largest payload accepted in one frame, in bytes. */
  maxPayload: number;
}

/** Feeds bytes in, gets whole frames out; throws WsProtocolError on a violation. */
export class FrameParser {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly opts: ParserOptions) {}

  push(chunk: Buffer): Frame[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      const frame = this.next();
      if (!frame) return frames;
      frames.push(frame);
    }
  }

  private next(): Frame | undefined {
    const b = this.buffered;
    if (b.length < 2) return undefined;
    const fin = (b[0]! & 0x80) !== 0;
    if ((b[0]! & 0x70) !== 0) throw new WsProtocolError(1002, 'reserved bits set without an extension');
    const opcode = b[0]! & 0x0f;
    const masked = (b[1]! & 0x80) !== 0;
    if (masked !== this.opts.requireMask)
      throw new WsProtocolError(
        1002,
        masked ? 'server frames must not be masked' : 'client frames must be masked',
      );
    if (![0, 1, 2, 8, 9, 10].includes(opcode)) throw new WsProtocolError(1002, `unknown opcode ${opcode}`);
    let len = b[1]! & 0x7f;
    let offset = 2;
    if (len === 126) {
      if (b.length < 4) return undefined;
      len = b.readUInt16BE(2);
      offset = 4;
    } else if (len === 127) {
      if (b.length < 10) return undefined;
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(this.opts.maxPayload)) throw new WsProtocolError(1009, 'message too big');
      len = Number(big);
      offset = 10;
    }
    if (opcode >= 8 && (len > 125 || !fin))
      throw new WsProtocolError(1002, 'control frames must be unfragmented and at most 125 bytes');
    if (len > this.opts.maxPayload) throw new WsProtocolError(1009, 'message too big');
    const maskAt = offset;
    if (masked) offset += 4;
    if (b.length < offset + len) return undefined;
    const payload = Buffer.from(b.subarray(offset, offset + len));
    if (masked) for (let i = 0; i < len; i++) payload[i] = payload[i]! ^ b[maskAt + (i & 3)]!;
    this.buffered = b.subarray(offset + len);
    return { fin, opcode, payload };
  }
}
