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
