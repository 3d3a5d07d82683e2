// The certificates tend issued, per Site: <siteDir>/<serial>.crt and .key (0600) and current.json,
// which names the live pair. A new pair is written under its own serial and only then named live, so
// a failed or half-written renewal never touches what nginx serves; the rendered vhost names the
// files, so going live is an ordinary config change (validated, one reload).
import type { Host } from '../host/host.js';
import type { AcmePaths } from './paths.js';
import { factsOf, type CertificateFacts } from './pem.js';
import type { AriRecord } from './ari.js';

export interface StoredCertificate extends CertificateFacts {
  issuerName: string;
  certificate: string;
  key: string;
  issuedAt: string;
}

/** The last attempt to issue or renew, kept across restarts so backoff survives them. */
export interface AttemptRecord {
  at: string;
  ok: boolean;
  /** ACME problem (type, detail) or a transport error, when the attempt failed. */
  error?: { type: string; detail: string };
  /** Consecutive failures since the last success. */
  failures: number;
  /** Not before this time (backoff, or the server's Retry-After). */
  nextAttemptAt?: string;
}

const KEEP_OLD = 1;

export class CertificateStore {
  constructor(
    private readonly host: Host,
    private readonly paths: AcmePaths,
  ) {}

  async current(site: string): Promise<StoredCertificate | undefined> {
    const text = await this.host.fs.readFile(`${this.paths.siteDir(site)}/current.json`);
    if (text === undefined) return undefined;
    try {
      const cur = JSON.parse(text) as StoredCertificate;
      // The pointer is only as good as the files it names.
      if ((await this.host.fs.stat(cur.certificate)) && (await this.host.fs.stat(cur.key))) return cur;
    } catch {
      // A torn pointer is as good as none: the Site serves HTTP until the next issuance.
    }
    return undefined;
  }

  /** Writes the pair under its serial, then names it live, then drops pairs older than the previous one. */
  async install(
    site: string,
    issuerName: string,
    certPem: string,
    keyPem: string,
  ): Promise<StoredCertificate> {
    const dir = this.paths.siteDir(site);
    await this.host.fs.mkdirp(dir, 0o700);
    const facts = factsOf(certPem);
    const stored: StoredCertificate = {
      ...facts,
      issuerName,
      certificate: `${dir}/${facts.serial}.crt`,
      key: `${dir}/${facts.serial}.key`,
      issuedAt: new Date(this.host.now()).toISOString(),
    };
    await this.host.fs.writeFileAtomic(stored.key, keyPem, 0o600);
    await this.host.fs.writeFileAtomic(stored.certificate, certPem, 0o644);
    const previous = await this.current(site);
    await this.host.fs.writeFileAtomic(`${dir}/current.json`, `${JSON.stringify(stored, null, 2)}\n`, 0o600);
    await this.prune(site, [stored.serial, ...(previous ? [previous.serial] : [])].slice(0, KEEP_OLD + 1));
    return stored;
  }

  private async prune(site: string, keep: readonly string[]) {
    const dir = this.paths.siteDir(site);
    for (const f of await this.host.fs.readdir(dir).catch(() => [] as string[])) {
      const m = /^([0-9a-f]+)\.(crt|key)$/.exec(f);
      if (m && !keep.includes(m[1]!)) await this.host.fs.remove(`${dir}/${f}`);
    }
  }

  async attempt(site: string): Promise<AttemptRecord | undefined> {
    const text = await this.host.fs.readFile(`${this.paths.siteDir(site)}/attempt.json`);
    try {
      return text === undefined ? undefined : (JSON.parse(text) as AttemptRecord);
    } catch {
      return undefined;
    }
  }

  async recordAttempt(site: string, record: AttemptRecord): Promise<void> {
    const dir = this.paths.siteDir(site);
    await this.host.fs.mkdirp(dir, 0o700);
    await this.host.fs.writeFileAtomic(`${dir}/attempt.json`, `${JSON.stringify(record, null, 2)}\n`, 0o600);
  }

  /** What the CA's renewalInfo last said about this Site's certificate (ari.ts). */
  async ari(site: string): Promise<AriRecord | undefined> {
    const text = await this.host.fs.readFile(`${this.paths.siteDir(site)}/ari.json`);
    try {
      return text === undefined ? undefined : (JSON.parse(text) as AriRecord);
    } catch {
      return undefined;
    }
  }

  async recordAri(site: string, record: AriRecord): Promise<void> {
    const dir = this.paths.siteDir(site);
    await this.host.fs.mkdirp(dir, 0o700);
    await this.host.fs.writeFileAtomic(`${dir}/ari.json`, `${JSON.stringify(record, null, 2)}\n`, 0o600);
  }

  /** A Site that left the desired state takes its keys with it. */
  async forget(site: string): Promise<void> {
    await this.host.fs.remove(this.paths.siteDir(site));
  }
}
