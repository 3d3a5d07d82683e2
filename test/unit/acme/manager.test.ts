// The manager on a real state dir: a certificate with under 14 days left raises one CertificateExpiring
// warning, the Site's status gets CertificateReady and the certificate block, and the gauge reads notAfter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { AcmeManager } from '../../../src/acme/manager.js';
import { createRealHost } from '../../../src/host/index.js';
import { embeddedLayout } from '../../../src/layout/index.js';
import { SCHEMAS, type Resource } from '../../../src/model/index.js';
import { newStatus } from '../../../src/state/conditions.js';
import { EventLog } from '../../../src/state/events.js';
import { StatusStore } from '../../../src/state/status-store.js';
import { tempDir } from '../../helpers/tmp.js';
import { selfSigned } from './certs.js';

const doc = (kind: 'Site' | 'Issuer', name: string, spec: unknown): Resource =>
  SCHEMAS[kind].parse({ apiVersion: 'tend/v1', kind, metadata: { name }, spec });

test('under 14 days left: one CertificateExpiring warning; status and gauge show the certificate', async (t) => {
  const host = createRealHost();
  const layout = embeddedLayout(tempDir(t));
  await host.fs.mkdirp(layout.stateDir, 0o700);
  const store = await StatusStore.load(host, layout.stateDir);
  const events = await EventLog.open(host, layout.stateDir);
  const queued: string[] = [];
  const acme = new AcmeManager({
    host,
    layout,
    events,
    store,
    log: pino({ level: 'silent' }),
    queue: { add: (key) => queued.push(key) },
  });
  t.after(() => acme.stop());
  const pair = selfSigned(['shop.example.com'], 10);
  const stored = await acme.certs.install('shop', 'le', pair.cert, pair.key);
  store.put(newStatus('Site', 'shop', Date.now()));
  await acme.apply([
    doc('Issuer', 'le', { directory: 'https://127.0.0.1:1/dir', email: 'a@b.test', default: true }),
    doc('Site', 'shop', {
      domains: ['shop.example.com'],
      preset: 'static',
      root: '/srv/www/s',
      tls: { acme: {} },
    }),
  ]);
  acme.publish();
  acme.publish();
  const warnings = events.recent({ key: 'Site/shop' }).filter((e) => e.reason === 'CertificateExpiring');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!.message, /expires at .* \(9 days left\)/);
  const st = store.get('Site/shop')!;
  assert.equal(st.conditions.find((c) => c.type === 'CertificateReady')?.status, 'True');
  assert.equal(st.certificate?.serial, stored.serial);
  assert.equal(st.certificate?.source, 'Issuer/le');
  assert.equal(acme.expiries().get('shop'), Date.parse(stored.notAfter) / 1000);
  assert.deepEqual(queued, [], 'nothing is due: renewal waits for a third of the lifetime');
});
