// FastCGI wire format, pure: record framing with padding, name-value pairs with 1- or 4-byte
// lengths, a streaming decoder that survives records split across chunks, and CGI response parsing.
export const FCGI = {
  VERSION: 1,
  BEGIN_REQUEST: 1,
  ABORT_REQUEST: 2,
  END_REQUEST: 3,
  PARAMS: 4,
  STDIN: 5,
  STDOUT: 6,
  STDERR: 7,
  RESPONDER: 1,
  HEADER_LEN: 8,
  MAX_CONTENT: 65535,
} as const;

export interface FcgiRecord {
  type: number;
  requestId: number;
  content: Buffer;
}

/** One record; content is padded to a multiple of 8 as the spec recommends. */
export function encodeRecord(type: number, requestId: number, content: Buffer = Buffer.alloc(0)): Buffer {
  if (content.length > FCGI.MAX_CONTENT) throw new RangeError(`record content ${content.length} > 65535`);
  const padding = (8 - (content.length % 8)) % 8;
  const header = Buffer.alloc(FCGI.HEADER_LEN);
  header.writeUInt8(FCGI.VERSION, 0);
  header.writeUInt8(type, 1);
  header.writeUInt16BE(requestId, 2);
  header.writeUInt16BE(content.length, 4);
  header.writeUInt8(padding, 6);
  return Buffer.concat([header, content, Buffer.alloc(padding)]);
}

/** A stream (PARAMS, STDIN): as many records as the data needs, then the empty terminator. */
export function encodeStream(type: number, requestId: number, data: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += FCGI.MAX_CONTENT) {
    parts.push(encodeRecord(type, requestId, data.subarray(at, at + FCGI.MAX_CONTENT)));
  }
  parts.push(encodeRecord(type, requestId));
  return Buffer.concat(parts);
}

export function encodeBeginRequest(requestId: number, role: number = FCGI.RESPONDER, flags = 0): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt16BE(role, 0);
  body.writeUInt8(flags, 2);
  return encodeRecord(FCGI.BEGIN_REQUEST, requestId, body);
}

function encodeLength(length: number): Buffer {
  if (length < 128) return Buffer.from([length]);
  const b = Buffer.alloc(4);
  b.writeUInt32BE((length | 0x80000000) >>> 0, 0);
  return b;
}

export function encodeNameValues(params: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(params)) {
    const n = Buffer.from(name, 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(encodeLength(n.length), encodeLength(v.length), n, v);
  }
  return Buffer.concat(parts);
}

export function decodeNameValues(buf: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  const length = () => {
    const first = buf.readUInt8(at);
    if (first < 128) return ((at += 1), first);
    const value = buf.readUInt32BE(at) & 0x7fffffff;
    at += 4;
    return value;
  };
  while (at < buf.length) {
    const n = length();
    const v = length();
    if (at + n + v > buf.length) throw new RangeError('truncated name-value pair');
    out[buf.toString('utf8', at, at + n)] = buf.toString('utf8', at + n, at + n + v);
    at += n + v;
  }
  return out;
}

/** Accumulates bytes and yields whole records, whatever the chunk boundaries. */
export class RecordDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): FcgiRecord[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const records: FcgiRecord[] = [];
    while (this.pending.length >= FCGI.HEADER_LEN) {
      const version = this.pending.readUInt8(0);
      if (version !== FCGI.VERSION) throw new Error(`FastCGI: expected version 1, got ${version}`);
      const length = this.pending.readUInt16BE(4);
      const total = FCGI.HEADER_LEN + length + this.pending.readUInt8(6);
      if (this.pending.length < total) break;
      records.push({
        type: this.pending.readUInt8(1),
        requestId: this.pending.readUInt16BE(2),
        content: Buffer.from(this.pending.subarray(FCGI.HEADER_LEN, FCGI.HEADER_LEN + length)),
      });
      this.pending = this.pending.subarray(total);
    }
    return records;
  }

  /** Bytes of an incomplete record still waiting for the rest. */
  get buffered(): number {
    return this.pending.length;
  }
}

export interface CgiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Splits a CGI response into headers and body; a "Status: 404 Not Found" header sets the status. */
export function parseCgiResponse(stdout: Buffer): CgiResponse {
  const text = stdout.toString('utf8');
  const m = /\r?\n\r?\n/.exec(text);
  const head = m ? text.slice(0, m.index) : text;
  const body = m ? text.slice(m.index + m[0].length) : '';
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(/^(\d{3})/.exec(headers.status ?? '')?.[1] ?? 200);
  return { status, headers, body };
}
