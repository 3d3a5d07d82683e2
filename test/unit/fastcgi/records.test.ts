// FastCGI wire format: framing, padding, long name-value lengths, chunk-split decoding, CGI parsing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FCGI,
  RecordDecoder,
  decodeNameValues,
  encodeBeginRequest,
  encodeNameValues,
  encodeRecord,
  encodeStream,
  parseCgiResponse,
} from '../../../src/drivers/php-fpm/fastcgi-records.js';

test('a record has an 8-byte header and pads its content to a multiple of 8', () => {
  const rec = encodeRecord(FCGI.STDOUT, 7, Buffer.from('hello'));
  assert.deepEqual([...rec.subarray(0, 8)], [1, FCGI.STDOUT, 0, 7, 0, 5, 3, 0]);
  assert.equal(rec.length, 16);
  assert.equal(rec.subarray(8, 13).toString(), 'hello');
  assert.deepEqual([...rec.subarray(13)], [0, 0, 0]);
  assert.equal(encodeRecord(FCGI.STDIN, 1, Buffer.alloc(16)).length, 24, 'no padding when aligned');
});

test('BEGIN_REQUEST asks for the responder role with flags 0 (close after the request)', () => {
  const rec = encodeBeginRequest(1);
  assert.deepEqual([...rec], [1, FCGI.BEGIN_REQUEST, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
});

test('name-value pairs use 1-byte lengths below 128 and 4-byte lengths with the high bit above', () => {
  const long = 'v'.repeat(300);
  const buf = encodeNameValues({ A: 'b', LONG: long });
  assert.deepEqual([...buf.subarray(0, 4)], [1, 1, 0x41, 0x62]);
  assert.deepEqual([...buf.subarray(4, 9)], [4, 0x80, 0, 0x01, 0x2c]);
  assert.deepEqual(decodeNameValues(buf), { A: 'b', LONG: long });
  const longName = 'N'.repeat(200);
  assert.deepEqual(decodeNameValues(encodeNameValues({ [longName]: 'x', é: 'ü' })), {
    [longName]: 'x',
    é: 'ü',
  });
});

test('a stream longer than 65535 bytes spans several records and ends with an empty one', () => {
  const data = Buffer.alloc(70_000, 0x61);
  const records = new RecordDecoder().push(encodeStream(FCGI.STDIN, 3, data));
  assert.deepEqual(
    records.map((r) => r.content.length),
    [65535, 4465, 0],
  );
  assert.ok(records.every((r) => r.type === FCGI.STDIN && r.requestId === 3));
  assert.deepEqual(Buffer.concat(records.map((r) => r.content)), data);
});

test('the decoder reassembles records split at every possible byte boundary, skipping padding', () => {
  const wire = Buffer.concat([
    encodeRecord(FCGI.STDOUT, 1, Buffer.from('Status: 404 Not Found\r\n\r\nno')),
    encodeRecord(FCGI.STDERR, 1, Buffer.from('warn')),
    encodeRecord(FCGI.END_REQUEST, 1, Buffer.from([0, 0, 0, 9, 0, 0, 0, 0])),
  ]);
  for (let cut = 1; cut < wire.length; cut++) {
    const decoder = new RecordDecoder();
    const got = [...decoder.push(wire.subarray(0, cut)), ...decoder.push(wire.subarray(cut))];
    assert.deepEqual(
      got.map((r) => [r.type, r.content.toString('latin1')]),
      [
        [FCGI.STDOUT, 'Status: 404 Not Found\r\n\r\nno'],
        [FCGI.STDERR, 'warn'],
        [FCGI.END_REQUEST, '\0\0\0\t\0\0\0\0'],
      ],
      `split at ${cut}`,
    );
    assert.equal(decoder.buffered, 0);
  }
  const byteByByte = new RecordDecoder();
  const all = [...wire].flatMap((b) => byteByByte.push(Buffer.from([b])));
  assert.equal(all.length, 3);
});

test('the decoder refuses a stream that is not FastCGI version 1', () => {
  assert.throws(() => new RecordDecoder().push(Buffer.from('HTTP/1.1 200 OK\r\n')), /expected version 1/);
});

test('CGI output: the Status header sets the status, headers are lower-cased, the body follows', () => {
  const r = parseCgiResponse(
    Buffer.from('Status: 503 Busy\r\nContent-type: text/plain\r\n\r\nbody\r\n\r\nmore'),
  );
  assert.equal(r.status, 503);
  assert.equal(r.headers['content-type'], 'text/plain');
  assert.equal(r.body, 'body\r\n\r\nmore');
  assert.equal(parseCgiResponse(Buffer.from('X-Powered-By: PHP\n\nhi')).status, 200);
});
