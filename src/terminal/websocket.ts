// The server side of a WebSocket (RFC 6455): the upgrade handshake, message reassembly with a size
// limit, UTF-8 checks, ping/pong keepalive and the close handshake, over a raw node socket.
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { acceptKey, closePayload, encodeFrame, FrameParser, OPCODE, WsProtocolError } from './ws-frame.js';

export const MAX_MESSAGE_BYTES = 64 * 1024;
const KEEPALIVE_MS = 30_000;
const CLOSE_WAIT_MS = 2_000;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Answers a refused upgrade with a plain HTTP status, then drops the socket. */
export function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroy();
}

/** Validates the client's handshake (§4.2.1); undefined when it is acceptable, else the reason. */
export function handshakeProblem(req: IncomingMessage): string | undefined {
  if (req.method !== 'GET') return 'expected GET';
  if (String(req.headers.upgrade).toLowerCase() !== 'websocket') return 'expected Upgrade: websocket';
  if (!/\bupgrade\b/i.test(String(req.headers.connection))) return 'expected Connection: Upgrade';
  if (req.headers['sec-websocket-version'] !== '13') return 'expected Sec-WebSocket-Version: 13';
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || Buffer.from(key, 'base64').length !== 16)
    return 'expected a 16-byte Sec-WebSocket-Key';
  return undefined;
}

/**
 * One accepted connection. Events: 'message' (data: Buffer, isBinary: boolean) and 'close' (code,
 * reason), emitted once however the connection ends (1006 when it ended without a close frame).
 */
export class WebSocketConnection extends EventEmitter {
  private readonly parser: FrameParser;
  private fragments: Buffer[] = [];
  private fragmentBytes = 0;
  private fragmentOpcode = 0;
  private closing = false;
  private closed = false;
  private alive = true;
  private readonly keepalive: NodeJS.Timeout;

  private constructor(
    private readonly socket: Duplex,
    readonly maxMessage: number,
  ) {
    super();
    this.parser = new FrameParser({ requireMask: true, maxPayload: maxMessage });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.finish(1006, 'connection error'));
    socket.on('close', () => this.finish(1006, 'connection lost'));
    // Upgraded sockets allow half-open TCP: a peer's FIN alone would never fire 'close'.
    socket.on('end', () => {
      this.finish(1006, 'connection lost');
      socket.end();
    });
    // A silent peer (laptop lid closed, network gone) must still count as a disconnect.
    this.keepalive = setInterval(() => {
      if (!this.alive) return this.terminate();
      this.alive = false;
      this.writeFrame(OPCODE.ping, Buffer.alloc(0));
    }, KEEPALIVE_MS);
    this.keepalive.unref();
  }

  /** Completes the handshake (the caller has checked it with handshakeProblem). */
  static accept(req: IncomingMessage, socket: Duplex, head: Buffer, maxMessage = MAX_MESSAGE_BYTES) {
    const accept = acceptKey(String(req.headers['sec-websocket-key']));
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    const conn = new WebSocketConnection(socket, maxMessage);
    if (head.length > 0) conn.onData(head);
    return conn;
  }

  get isOpen(): boolean {
    return !this.closing && !this.closed;
  }

  /** Bytes queued in the socket: the caller pauses its producer when this grows. */
  get bufferedAmount(): number {
    return (this.socket as Duplex & { writableLength?: number }).writableLength ?? 0;
  }

  onDrain(fn: () => void): void {
    this.socket.once('drain', fn);
  }

  send(data: Buffer | string): void {
    if (!this.isOpen) return;
    if (typeof data === 'string') this.writeFrame(OPCODE.text, Buffer.from(data, 'utf8'));
    else this.writeFrame(OPCODE.binary, data);
  }

  /** Starts the close handshake; the socket is dropped if the peer does not answer in time. */
  close(code: number, reason: string): void {
    if (!this.isOpen) return;
    this.closing = true;
    this.writeFrame(OPCODE.close, closePayload(code, reason));
    this.finish(code, reason);
    setTimeout(() => this.socket.destroy(), CLOSE_WAIT_MS).unref();
  }

  /** Closes and half-closes the TCP connection at once: for shutdown, when no answer is awaited. */
  shutdown(code: number, reason: string): void {
    this.close(code, reason);
    this.socket.end();
  }

  terminate(): void {
    this.socket.destroy();
    this.finish(1006, 'terminated');
  }

  private writeFrame(opcode: number, payload: Buffer): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(encodeFrame(opcode, payload));
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closing = true;
    clearInterval(this.keepalive);
    this.emit('close', code, reason);
  }

  private onData(chunk: Buffer): void {
    try {
      for (const frame of this.parser.push(chunk)) this.onFrame(frame.fin, frame.opcode, frame.payload);
    } catch (err) {
      const e = err instanceof WsProtocolError ? err : new WsProtocolError(1002, String(err));
      // The stream cannot be parsed past a bad frame, so the peer's close would never be read: end now.
      this.shutdown(e.code, e.message);
    }
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    this.alive = true;
    if (opcode === OPCODE.close) return this.onClose(payload);
    if (this.closed) return;
    if (opcode === OPCODE.ping) return this.writeFrame(OPCODE.pong, payload);
    if (opcode === OPCODE.pong) return;
    if (opcode === OPCODE.continuation && this.fragments.length === 0)
      throw new WsProtocolError(1002, 'continuation frame without a message to continue');
    if (opcode !== OPCODE.continuation && this.fragments.length > 0)
      throw new WsProtocolError(1002, 'new message before the fragmented one finished');
    if (opcode !== OPCODE.continuation) this.fragmentOpcode = opcode;
    this.fragmentBytes += payload.length;
    if (this.fragmentBytes > this.maxMessage) throw new WsProtocolError(1009, 'message too big');
    this.fragments.push(payload);
    if (!fin) return;
    const data = this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments);
    this.fragments = [];
    this.fragmentBytes = 0;
    const isBinary = this.fragmentOpcode === OPCODE.binary;
    if (!isBinary) {
      try {
        utf8.decode(data);
      } catch {
        throw new WsProtocolError(1007, 'text message is not valid UTF-8');
      }
    }
    this.emit('message', data, isBinary);
  }

  private onClose(payload: Buffer): void {
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    const reason = payload.length > 2 ? payload.subarray(2).toString('utf8') : '';
    // Echo the close (§5.5.1) unless we started it, then let the TCP connection end.
    if (!this.closing)
      this.writeFrame(OPCODE.close, payload.length >= 2 ? closePayload(code, '') : Buffer.alloc(0));
    this.finish(code, reason);
    this.socket.end();
  }
}
