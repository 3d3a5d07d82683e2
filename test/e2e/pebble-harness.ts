// Debian's pebble (Let's Encrypt's test CA) on loopback for the ACME e2e tests and the bench: its own
// test CA for the HTTPS directory (made here with openssl), pebble-challtestsrv as its DNS, resolving
// every name to 127.0.0.1, and HTTP-01 validation pointed at tend's embedded nginx port. Real
// validation: PEBBLE_VA_ALWAYS_VALID is never set; only the validation sleep is turned off.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { connect } from 'node:tls';
import { join } from 'node:path';
import { freePort } from '../helpers/ports.js';

export interface Pebble {
  dir: string;
  /** The ACME directory URL. */
  directory: string;
  /** PEM of the CA that signed pebble's own HTTPS certificate (an Issuer's caRoots file). */
  caFile: string;
  /** PEM of the root pebble issues under, from its management endpoint. */
  issuingRoot(): Promise<string>;
  /** Points a name's A record elsewhere (127.0.0.2: nothing listens) or back (127.0.0.1). */
  resolve(host: string, address: string): Promise<void>;
  log(): string;
  stop(): Promise<void>;
}

export function pebbleInstalled(): boolean {
  try {
    execFileSync('/usr/bin/pebble', ['-h'], { stdio: 'ignore' });
  } catch (err) {
    // pebble -h exits 2 after printing usage; only a missing binary matters.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
  }
  return true;
}

function makeTestCa(dir: string): { caFile: string; cert: string; key: string } {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=tend test pebble CA',
  );
  run(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'pebble.key',
    '-out',
    'pebble.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(
    'x509',
    '-req',
    '-in',
    'pebble.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'pebble.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  );
  return { caFile: join(dir, 'ca.pem'), cert: join(dir, 'pebble.pem'), key: join(dir, 'pebble.key') };
}

function get(url: string, ca: string): Promise<string> {
  return new Promise((done, fail) => {
    const req = request(url, { ca, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () =>
        res.statusCode === 200 ? done(body) : fail(new Error(`${url}: ${res.statusCode} ${body}`)),
      );
    });
    req.on('error', fail);
    req.end();
  });
}

async function postJson(port: number, path: string, body: unknown): Promise<void> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`challtestsrv ${path}: ${r.status} ${await r.text()}`);
}

async function waitUp(what: string, fn: () => Promise<unknown>, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await fn();
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`${what} did not come up: ${String(err)}\n${log()}`, { cause: err });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function startPebble(opts: { httpPort: number; validitySeconds?: number }): Promise<Pebble> {
  const dir = mkdtempSync(join(tmpdir(), 'tend-pebble-'));
  const ca = makeTestCa(dir);
  const [acmePort, mgmtPort, dnsPort, dnsMgmtPort, tlsPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  writeFileSync(
    join(dir, 'pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: ca.cert,
        privateKey: ca.key,
        httpPort: opts.httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        ...(opts.validitySeconds ? { certificateValidityPeriod: opts.validitySeconds } : {}),
      },
    }),
  );
  let out = '';
  const procs: ChildProcess[] = [];
  const launch = (file: string, args: string[], env: Record<string, string> = {}) => {
    const p = spawn(file, args, { cwd: dir, env: { ...process.env, ...env }, stdio: 'pipe' });
    p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    procs.push(p);
    return p;
  };
  launch('/usr/bin/pebble-challtestsrv', [
    '-dns01',
    `127.0.0.1:${dnsPort}`,
    '-http01',
    '',
    '-https01',
    '',
    '-tlsalpn01',
    '',
    '-management',
    `127.0.0.1:${dnsMgmtPort}`,
    '-defaultIPv4',
    '127.0.0.1',
    '-defaultIPv6',
    '',
  ]);
  await waitUp(
    'pebble-challtestsrv',
    () =>
      postJson(dnsMgmtPort, '/clear-request-history', { host: 'x', type: 'dns' }).catch(async () => {
        const r = await fetch(`http://127.0.0.1:${dnsMgmtPort}/`);
        return r.status;
      }),
    () => out,
  );
  launch('/usr/bin/pebble', ['-config', join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${dnsPort}`], {
    PEBBLE_VA_NOSLEEP: '1',
    // Every order proves its names afresh (a reused authorization would skip a blocked challenge),
    // and no nonce is rejected at random (acme-client retries those, but the test need not wait).
    PEBBLE_AUTHZREUSE: '0',
    PEBBLE_WFE_NONCEREJECT: '0',
  });
  const caPem = execFileSync('cat', [ca.caFile]).toString();
  const directory = `https://127.0.0.1:${acmePort}/dir`;
  await waitUp(
    'pebble',
    () => get(directory, caPem),
    () => out,
  );
  return {
    dir,
    directory,
    caFile: ca.caFile,
    issuingRoot: () => get(`https://127.0.0.1:${mgmtPort}/roots/0`, caPem),
    resolve: (host, address) => postJson(dnsMgmtPort, '/add-a', { host: `${host}.`, addresses: [address] }),
    log: () => out,
    async stop() {
      for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      await Promise.all(
        procs.map((p) =>
          p.exitCode !== null || p.signalCode !== null ? undefined : new Promise((r) => p.once('exit', r)),
        ),
      );
      if (!process.env.TEND_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One HTTPS GET on a fresh connection, verified against `ca` for `domain`; the leaf's serial and the body. */
export function httpsGet(
  port: number,
  ca: string,
  domain: string,
  path = '/',
): Promise<{ serial: string; status: number; body: string }> {
  return new Promise((done, fail) => {
    const socket = connect(
      { host: '127.0.0.1', port, servername: domain, ca, rejectUnauthorized: true },
      () => {
        const serial = socket.getPeerCertificate().serialNumber.toLowerCase();
        socket.write(`GET ${path} HTTP/1.1\r\nHost: ${domain}\r\nConnection: close\r\n\r\n`);
        let raw = '';
        socket.on('data', (d: Buffer) => (raw += d.toString()));
        socket.on('end', () => {
          const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
          done({ serial, status, body: raw.slice(raw.indexOf('\r\n\r\n') + 4) });
        });
      },
    );
    socket.setTimeout(5000, () => socket.destroy(new Error('timed out')));
    socket.on('error', fail);
  });
}

/**
 * pebble's CA as an Issuer may name it: root reads an Issuer's caRoots, so validation only takes
 * files in the TLS dirs or a web base (the test's base is one); pebble's own temp dir is neither.
 */
export function caRootIn(pebble: Pebble, webBase: string): string {
  const file = join(webBase, 'pebble-ca.pem');
  copyFileSync(pebble.caFile, file);
  return file;
}
