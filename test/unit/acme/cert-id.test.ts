// The ARI certID read from a certificate's DER: RFC 9773's own example, a serial without the high
// bit (no padding), a certificate without an Authority Key Identifier, and bytes that are no DER.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { ariCertId } from '../../../src/acme/cert-id.js';
import { selfSigned, testCa } from './certs.js';

const der = (pem: string) => new X509Certificate(pem).raw;

test("RFC 9773's example: keyIdentifier 69:88:…:D4 and serial 0x87654321 (DER 00 87 65 43 21)", (t) => {
  const ca = testCa(t);
  assert.deepEqual(ariCertId(der(ca.leaf('87654321', ['a.test']))), {
    certId: 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE',
  });
});

test('a serial without the high bit is its bytes as they are; long serials too', (t) => {
  const ca = testCa(t);
  assert.deepEqual(ariCertId(der(ca.leaf('0102', ['a.test']))), {
    certId: 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AQI',
  });
  const long = '7f'.padEnd(36, 'ab');
  const id = ariCertId(der(ca.leaf(long, ['a.test'])));
  assert.ok('certId' in id);
  assert.equal(Buffer.from(id.certId.split('.')[1]!, 'base64url').toString('hex'), long);
});

test('no Authority Key Identifier, or not a certificate: a reason, not an exception', () => {
  const plain = selfSigned(['a.test']);
  assert.deepEqual(ariCertId(der(plain.cert)), {
    problem: 'the certificate has no Authority Key Identifier',
  });
  assert.match(
    (ariCertId(Uint8Array.of(0x30, 0x82, 0xff)) as { problem: string }).problem,
    /does not parse as DER/,
  );
  assert.deepEqual(ariCertId(Uint8Array.of(0x04, 0x00)), { problem: 'not a DER certificate' });
});
