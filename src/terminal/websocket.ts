// The server side of the Terminal's WebSocket on the `ws` library (framing, masking, UTF-8, size
// limits and the close handshake are ws's), plus what the terminal adds: keepalive and a short close wait.
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

export const MAX_MESSAGE_BYTES = 64 * 1024;
const KEEPALIVE_MS = 30_000;
const CLOSE_WAIT_MS = 2_000;

/** Answers a refused upgrade with a plain HTTP status, then drops the socket. */
export function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroy();
}

/**
 * Validates the client's handshake (§4.2.1) before ws sees it, so a refusal names what was wrong;
 * undefined when it is acceptable.
 */
export function handshakeProblem(req: IncomingMessage): string | undefined {
  if (req.method !== 'GET') return 'expected GET';
  if (String(req.headers.upgrade).toLowerCase() !== 'websocket') return 'expected Upgrade: websocket';
  if (!/\bupgrade\b/i.test(String(req.headers.connection))) return 'expected Connection: Upgrade';
  if (req.headers['sec-websocket-version'] !== '13') return 'expected Sec-WebSocket-Version: 13';
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || !/^[+/0-9A-Za-z]{22}==$/.test(key))
    return 'expected a 16-byte Sec-WebSocket-Key';
  return undefined;
}

/** A close reason must fit 123 bytes of UTF-8; cut at a character boundary. */
export function fitCloseReason(reason: string): string {
  let text = reason;
  while (Buffer.byteLength(text, 'utf8') > 123) text = text.slice(0, -1);
  return text;
}

/** One ws server per message limit; noServer, so the terminal's gate runs before any handshake. */
const servers = new Map<number, WebSocketServer>();
function serverFor(maxPayload: number): WebSocketServer {
  let wss = servers.get(maxPayload);
  if (!wss) {
    wss = new WebSocketServer({
      noServer: true,
      maxPayload,
      perMessageDeflate: false,
      clientTracking: false,
    });
    servers.set(maxPayload, wss);
  }
  return wss;
}

/**
 * One accepted connection. Events: 'message' (data: Buffer, isBinary: boolean) and 'close' (code,
 * reason), emitted once however the connection ends (1006 when it ended without a close frame).
 * Protocol violations (unmasked frames, bad lengths, RSV bits, bad UTF-8, too big) are closed by ws
 * with 1002, 1007 or 1009 before any message is emitted.
 */
export class WebSocketConnection extends EventEmitter {
  private closing = false;
  private closed = false;
  private alive = true;
  private readonly keepalive: NodeJS.Timeout;

  private constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
  ) {
    super();
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (this.closed) return;
      this.emit('message', toBuffer(data), isBinary);
    });
    ws.on('close', (code: number, reason: Buffer) => this.finish(code, reason.toString('utf8')));
    // ws has already sent the close frame with the violation's code; 'close' follows.
    ws.on('error', () => undefined);
    ws.on('pong', () => (this.alive = true));
    // A silent peer (laptop lid closed, network gone) must still count as a disconnect.
    this.keepalive = setInterval(() => {
      if (!this.alive) return this.terminate();
      this.alive = false;
      if (ws.readyState === WebSocket.OPEN) ws.ping();
    }, KEEPALIVE_MS);
    this.keepalive.unref();
  }

  /**
   * Completes the handshake (the caller has checked it with handshakeProblem). Undefined when ws
   * refused it; ws has then answered and dropped the socket itself.
   */
  static accept(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    maxMessage = MAX_MESSAGE_BYTES,
  ): WebSocketConnection | undefined {
    let conn: WebSocketConnection | undefined;
    // Without verifyClient, ws completes the upgrade synchronously and calls back at once.
    serverFor(maxMessage).handleUpgrade(req, socket, head, (ws) => {
      conn = new WebSocketConnection(ws, socket);
    });
    return conn;
  }

  get isOpen(): boolean {
    return !this.closing && !this.closed && this.ws.readyState === WebSocket.OPEN;
  }

  /** Bytes queued for the peer: the caller pauses its producer when this grows. */
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  onDrain(fn: () => void): void {
    this.socket.once('drain', fn);
  }

  send(data: Buffer | string): void {
    if (!this.isOpen) return;
    this.ws.send(data, { binary: typeof data !== 'string' });
  }

  /** Starts the close handshake; the socket is dropped if the peer does not answer in time. */
  close(code: number, reason: string): void {
    if (!this.isOpen) return;
    this.closing = true;
    this.ws.close(code, fitCloseReason(reason));
    this.finish(code, reason);
    setTimeout(() => this.ws.terminate(), CLOSE_WAIT_MS).unref();
  }

  /** Closes and half-closes the TCP connection at once: for shutdown, when no answer is awaited. */
  shutdown(code: number, reason: string): void {
    this.close(code, reason);
    this.socket.end();
  }

  terminate(): void {
    this.ws.terminate();
    this.finish(1006, 'terminated');
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepalive);
    this.emit('close', code, reason);
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
