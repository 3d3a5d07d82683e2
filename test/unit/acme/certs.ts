// Test certificates made with openssl: a self-signed pair for given names (and a second key that does not match).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPair {
  cert: string;
  key: string;
  otherKey: string;
}

export function selfSigned(names: string[], days = 30): TestPair {
  const dir = mkdtempSync(join(tmpdir(), 'tend-cert-'));
  try {
    writeFileSync(join(dir, 'san.ext'), `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\n`);
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'key.pem');
    run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'other.pem');
    run('req', '-new', '-key', 'key.pem', '-out', 'req.csr', '-subj', `/CN=${names[0]}`);
    run(
      'x509',
      '-req',
      '-in',
      'req.csr',
      '-signkey',
      'key.pem',
      '-out',
      'cert.pem',
      '-days',
      String(days),
      '-extfile',
      'san.ext',
    );
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    return { cert: read('cert.pem'), key: read('key.pem'), otherKey: read('other.pem') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface TestCa {
  /** The CA's PEM (trust it to reach `server`). */
  caPem: string;
  /** An HTTPS server pair for 127.0.0.1 signed by the CA. */
  server: { cert: string; key: string };
  /** A leaf signed by the CA, with the given hex serial and an Authority Key Identifier. */
  leaf(serialHex: string, names: string[]): string;
}

/**
 * A CA whose Subject Key Identifier is RFC 9773's example (69:88:5B:…:D4), so a leaf with serial
 * 0x87654321 has the RFC's certID "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE".
 */
export function testCa(t: { after(fn: () => void): void }): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'tend-ca-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=tend ARI test CA',
    '-addext',
    'subjectKeyIdentifier=69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4',
    // A root's own AKI must equal its SKI, or verifiers look for another issuer.
    '-addext',
    'authorityKeyIdentifier=keyid:always',
  );
  let n = 0;
  const sign = (serialHex: string, ext: string) => {
    n++;
    writeFileSync(join(dir, `ext${n}`), ext);
    run('req', ...ec, '-keyout', `l${n}.key`, '-out', `l${n}.csr`, '-subj', '/CN=leaf');
    run(
      'x509',
      '-req',
      '-in',
      `l${n}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-set_serial',
      `0x${serialHex}`,
      '-days',
      '1',
      '-extfile',
      `ext${n}`,
      '-out',
      `l${n}.pem`,
    );
    return { cert: read(`l${n}.pem`), key: read(`l${n}.key`) };
  };
  const server = sign('01', 'subjectAltName=IP:127.0.0.1\nauthorityKeyIdentifier=keyid:always\n');
  return {
    caPem: read('ca.pem'),
    server,
    leaf: (serialHex, names) =>
      sign(
        serialHex,
        `subjectAltName=${names.map((d) => `DNS:${d}`).join(',')}\nauthorityKeyIdentifier=keyid:always\n`,
      ).cert,
  };
}
