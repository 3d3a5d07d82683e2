// ARI end to end: pebble (which offers no renewalInfo) issues, behind a loopback HTTPS front that
// serves pebble's directory plus a renewalInfo endpoint. The first certificate's window is open now,
// so tend renews it years before the one-third rule would; the new certificate's window is a month
// out, so tend waits, and status says the ARI rule times it. The certID tend asks for is checked
// against one built from openssl's reading of the certificate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { waitFor } from './serve-harness.js';
import { httpsGet, pebbleInstalled, type Pebble } from './pebble-harness.js';
import {
  acmeSiteYaml,
  certificateOf,
  firstServed,
  servePebble,
  staticRoot,
  writePebbleIssuer,
} from './acme-harness.js';

const DOMAIN = 'ari.acme.test';
const DAY = 86_400_000;

function getText(url: string, ca: string): Promise<string> {
  return new Promise((done, fail) => {
    request(url, { ca, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => done(body));
    })
      .on('error', fail)
      .end();
  });
}

/** pebble's directory with renewalInfo added: the first certID asked gets an open window, later ones a far one. */
async function ariFront(t: { after(fn: () => Promise<void>): void }, pebble: Pebble) {
  const ca = readFileSync(pebble.caFile, 'utf8');
  const asked: string[] = [];
  const windows = new Map<string, { start: string; end: string }>();
  const srv = createServer(
    {
      cert: readFileSync(join(pebble.dir, 'pebble.pem')),
      key: readFileSync(join(pebble.dir, 'pebble.key')),
    },
    (req, res) => {
      void (async () => {
        const url = req.url ?? '';
        if (url === '/dir') {
          const dir = JSON.parse(await getText(pebble.directory, ca)) as Record<string, unknown>;
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ ...dir, renewalInfo: `${base}/renewal-info` }));
        }
        const id = /^\/renewal-info\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(url)?.[1];
        if (!id) return res.writeHead(404).end();
        asked.push(id);
        if (!windows.has(id)) {
          const now = Date.now();
          windows.set(
            id,
            windows.size === 0
              ? { start: new Date(now - 60_000).toISOString(), end: new Date(now + 2_000).toISOString() }
              : {
                  start: new Date(now + 30 * DAY).toISOString(),
                  end: new Date(now + 31 * DAY).toISOString(),
                },
          );
        }
        res.writeHead(200, { 'content-type': 'application/json', 'retry-after': '21600' });
        res.end(JSON.stringify({ suggestedWindow: windows.get(id) }));
      })();
    },
  );
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => srv.close(() => r())));
  const base = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  return { directory: `${base}/dir`, asked, windows };
}

/** RFC 9773's certID from openssl's own reading of a certificate file (independent of tend's DER reader). */
function opensslCertId(file: string): string {
  const out = execFileSync('openssl', [
    'x509',
    '-in',
    file,
    '-noout',
    '-serial',
    '-ext',
    'authorityKeyIdentifier',
  ])
    .toString()
    .split('\n');
  const serialHex = /serial=([0-9A-F]+)/i.exec(out.join('\n'))![1]!;
  const keyIdHex = out
    .find((l) => /^\s+([0-9A-F]{2}:)+[0-9A-F]{2}\s*$/i.test(l))!
    .trim()
    .replace(/:/g, '');
  let serial = Buffer.from(serialHex.length % 2 ? `0${serialHex}` : serialHex, 'hex');
  if (serial[0]! & 0x80) serial = Buffer.concat([Buffer.of(0), serial]);
  return `${Buffer.from(keyIdHex, 'hex').toString('base64url')}.${serial.toString('base64url')}`;
}

test(
  'ARI: an open suggestedWindow makes tend renew years early; the next window is honoured and shown in status',
  { skip: !pebbleInstalled() && 'pebble is not installed (apt-get install pebble)', timeout: 300_000 },
  async (t) => {
    const acmeEnv = await servePebble(t);
    const { env, pebble, httpsPort } = acmeEnv;
    const front = await ariFront(t, pebble);
    const root = staticRoot(env, 'ari', 'ari\n');
    writePebbleIssuer(acmeEnv, 'ops@ari.acme.test', front.directory);
    env.write('ari.yaml', acmeSiteYaml('ari', root, [DOMAIN], false));
    await env.start();
    const cert = () => certificateOf(env, 'ari');
    const ca = await pebble.issuingRoot();
    const first = await firstServed(acmeEnv, ca, DOMAIN);
    const renewed = await waitFor(
      'the certificate to be renewed inside its ARI window',
      async () => {
        const r = await httpsGet(httpsPort, ca, DOMAIN).catch(() => undefined);
        return r && r.serial !== first.serial ? r : undefined;
      },
      90_000,
    );
    assert.equal(renewed.status, 200);

    // The renewal was ARI's doing: the first certificate had years before the one-third rule.
    const siteDir = join(env.root, 'state/acme/certs/ari');
    const firstFile = join(siteDir, `${first.serial}.crt`);
    const notAfter = Date.parse(
      execFileSync('openssl', ['x509', '-in', firstFile, '-noout', '-enddate'])
        .toString()
        .replace('notAfter=', ''),
    );
    assert.ok(notAfter - Date.now() > 365 * DAY, 'pebble gives certificates that live for years');
    assert.equal(front.asked[0], opensslCertId(firstFile), 'the certID tend asked for is RFC 9773’s');

    // The new certificate is asked about too; its far window now times the renewal.
    const status = await waitFor('status to show the ARI rule for the new certificate', async () => {
      const c = await cert();
      return c.serial === renewed.serial && c.renewal?.rule === 'ari' ? c : undefined;
    });
    const newId = opensslCertId(join(siteDir, `${renewed.serial}.crt`));
    assert.ok(front.asked.includes(newId));
    const w = front.windows.get(newId)!;
    assert.deepEqual(status.renewal?.window, { start: w.start, end: w.end });
    const at = Date.parse(status.renewal!.at);
    assert.ok(at >= Date.parse(w.start) && at <= Date.parse(w.end), 'the renewal moment lies in the window');
    const ari = JSON.parse(readFileSync(join(siteDir, 'ari.json'), 'utf8')) as { nextCheckAt: string };
    const nextCheck = Date.parse(ari.nextCheckAt) - Date.now();
    assert.ok(
      nextCheck > 5 * 3_600_000 && nextCheck <= 6 * 3_600_000,
      'the next check follows Retry-After (6 h)',
    );
    assert.equal(front.windows.size, 2, 'no third certificate: tend waits for the far window');
  },
);
