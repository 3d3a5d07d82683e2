// What the renderer needs from the ACME store: the live pair of every acme Site that has one, and
// the challenge dir. A pair nginx would refuse (torn, or key and certificate apart) is left out, so
// the Site stays on plain HTTP rather than failing its whole config.
import { createPrivateKey } from 'node:crypto';
import type { Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';
import type { Resource } from '../model/index.js';
import { acmePaths } from './paths.js';
import { leafOf } from './pem.js';
import { CertificateStore } from './store.js';

export interface AcmeRenderInput {
  acmeChallengeDir: string;
  acmeCertificates: Map<string, { certificate: string; key: string }>;
}

export async function acmeRenderInput(
  host: Host,
  layout: Layout,
  resources: Iterable<Resource>,
): Promise<AcmeRenderInput> {
  const paths = acmePaths(layout);
  const store = new CertificateStore(host, paths);
  const acmeCertificates = new Map<string, { certificate: string; key: string }>();
  for (const r of resources) {
    if (r.kind !== 'Site' || r.spec.tls?.acme === undefined) continue;
    const cur = await store.current(r.metadata.name);
    if (!cur) continue;
    const [certPem, keyPem] = await Promise.all([
      host.fs.readFile(cur.certificate),
      host.fs.readFile(cur.key),
    ]);
    if (certPem === undefined || keyPem === undefined) continue;
    try {
      if (!leafOf(certPem).checkPrivateKey(createPrivateKey(keyPem))) continue;
    } catch {
      continue;
    }
    acmeCertificates.set(r.metadata.name, { certificate: cur.certificate, key: cur.key });
  }
  return { acmeChallengeDir: paths.challengeDir, acmeCertificates };
}
