// A small FastCGI client (no maintained npm package exists): one responder request over a unix
// socket or TCP, used to ping pools directly without going through nginx.
import { connect, type Socket } from 'node:net';
import {
  FCGI,
  RecordDecoder,
  encodeBeginRequest,
  encodeNameValues,
  encodeStream,
  parseCgiResponse,
  type CgiResponse,
} from './fastcgi-records.js';

export interface FastcgiRequestOptions {
  socketPath?: string;
  host?: string;
  port?: number;
  params: Record<string, string>;
  body?: Buffer;
  timeoutMs?: number;
}

export interface FastcgiResponse extends CgiResponse {
  stderr: string;
  /** The application's exit status from END_REQUEST. */
  appStatus: number;
}

const REQUEST_ID = 1;

export function fastcgiRequest(opts: FastcgiRequestOptions): Promise<FastcgiResponse> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const where = opts.socketPath ? `unix:${opts.socketPath}` : `${opts.host ?? '127.0.0.1'}:${opts.port}`;
  return new Promise((resolve, reject) => {
    let socket: Socket;
    if (opts.socketPath) socket = connect({ path: opts.socketPath });
    else if (opts.port !== undefined) socket = connect({ host: opts.host ?? '127.0.0.1', port: opts.port });
    else return reject(new Error('fastcgiRequest: expected socketPath or port, got neither'));
    const decoder = new RecordDecoder();
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let settled = false;
    const finish = (err: Error | undefined, value?: FastcgiResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(
      () => finish(new Error(`FastCGI ${where}: no answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('error', (err) => finish(new Error(`FastCGI ${where}: ${err.message}`)));
    socket.once('close', () => finish(new Error(`FastCGI ${where}: connection closed before END_REQUEST`)));
    socket.on('data', (chunk: Buffer) => {
      let records;
      try {
        records = decoder.push(chunk);
      } catch (err) {
        return finish(err as Error);
      }
      for (const record of records) {
        if (record.requestId !== REQUEST_ID) continue;
        if (record.type === FCGI.STDOUT) stdout.push(record.content);
        else if (record.type === FCGI.STDERR) stderr.push(record.content);
        else if (record.type === FCGI.END_REQUEST) {
          const appStatus = record.content.length >= 4 ? record.content.readUInt32BE(0) : 0;
          const response = parseCgiResponse(Buffer.concat(stdout));
          return finish(undefined, {
            ...response,
            stderr: Buffer.concat(stderr).toString('utf8'),
            appStatus,
          });
        }
      }
    });
    socket.once('connect', () => {
      const body = opts.body ?? Buffer.alloc(0);
      const params = { CONTENT_LENGTH: String(body.length), ...opts.params };
      socket.write(
        Buffer.concat([
          encodeBeginRequest(REQUEST_ID),
          encodeStream(FCGI.PARAMS, REQUEST_ID, encodeNameValues(params)),
          encodeStream(FCGI.STDIN, REQUEST_ID, body),
        ]),
      );
    });
  });
}

export type PoolListen = { socketPath: string } | { host: string; port: number };

/** Asks a pool's ping.path directly; ok when it answers 200 with the expected ping.response. */
export async function pingPool(
  listen: PoolListen,
  pingPath: string,
  expected: string,
  timeoutMs = 2_000,
): Promise<{ ok: boolean; message: string }> {
  const params = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: pingPath,
    SCRIPT_FILENAME: pingPath,
    REQUEST_URI: pingPath,
    QUERY_STRING: '',
    SERVER_PROTOCOL: 'HTTP/1.1',
  };
  try {
    const r = await fastcgiRequest({ ...listen, params, timeoutMs });
    const body = r.body.trim();
    if (r.status === 200 && body === expected) return { ok: true, message: `ping ${pingPath}: ${body}` };
    return {
      ok: false,
      message: `ping ${pingPath}: expected 200 "${expected}", got ${r.status} "${body.slice(0, 200)}"`,
    };
  } catch (err) {
    return { ok: false, message: `ping ${pingPath}: ${(err as Error).message}` };
  }
}
