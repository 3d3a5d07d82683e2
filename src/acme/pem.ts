// Reads what a certificate says (serial, validity, names, issuer) and checks a key belongs to it;
// used for issued and file-based certificates alike, so both are judged by the same rules.
import { createPrivateKey, X509Certificate } from 'node:crypto';

export interface CertificateFacts {
  serial: string;
  notBefore: string;
  notAfter: string;
  /** DNS names of the leaf (subjectAltName), lower-cased. */
  domains: string[];
  issuer: string;
}

/** The PEM blocks of a chain, leaf first. */
export function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

export function leafOf(pem: string): X509Certificate {
  const first = splitPem(pem)[0];
  if (!first) throw new Error('no PEM certificate found');
  return new X509Certificate(first);
}

export function factsOf(pem: string): CertificateFacts {
  const leaf = leafOf(pem);
  const domains = (leaf.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4).toLowerCase());
  return {
    serial: leaf.serialNumber.toLowerCase(),
    notBefore: new Date(leaf.validFrom).toISOString(),
    notAfter: new Date(leaf.validTo).toISOString(),
    domains,
    issuer: leaf.issuer.replace(/\n/g, ', '),
  };
}

/** Whether a certificate name (possibly "*.x") covers a domain, as TLS clients match them. */
export function nameCovers(name: string, domain: string): boolean {
  const n = name.toLowerCase();
  const d = domain.toLowerCase();
  if (n === d) return true;
  if (!n.startsWith('*.')) return false;
  const rest = d.slice(d.indexOf('.') + 1);
  return d.includes('.') && rest === n.slice(2);
}

/**
 * Why this certificate and key cannot serve these domains now; undefined when they can. Checked
 * before nginx ever sees the files, so a bad replacement never reaches a reload.
 */
export function servingProblem(
  certPem: string,
  keyPem: string,
  domains: readonly string[],
  now: number,
): string | undefined {
  let leaf: X509Certificate;
  try {
    leaf = leafOf(certPem);
  } catch (err) {
    return `the certificate does not parse: ${(err as Error).message}`;
  }
  try {
    // The message of a failed key parse could quote key material: never pass it on.
    if (!leaf.checkPrivateKey(createPrivateKey(keyPem))) return 'the key does not match the certificate';
  } catch {
    return 'the key does not parse as a PEM private key';
  }
  const facts = factsOf(certPem);
  if (Date.parse(facts.notAfter) <= now) return `the certificate expired at ${facts.notAfter}`;
  if (Date.parse(facts.notBefore) > now) return `the certificate is not valid before ${facts.notBefore}`;
  const uncovered = domains.filter((d) => !facts.domains.some((n) => nameCovers(n, d)));
  if (uncovered.length > 0)
    return `the certificate does not cover ${uncovered.join(', ')} (it names ${facts.domains.join(', ') || 'no DNS names'})`;
  return undefined;
}
