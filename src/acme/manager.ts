// The ACME side of `tend serve`: each pass hands it the acme Sites; it issues what is missing and
// renews what is due, one order at a time, in the background. A new certificate is installed beside
// the old one and the Site's key is queued, so the next pass renders and validates the vhost that
// names it and nginx reloads once. A failure only records itself: the old pair keeps serving.
// When the CA offers ARI, each live certificate's renewalInfo is checked beside the orders (ari.ts).
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { registerAcmeMetrics } from './metrics.js';
import type { Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';
import { issuerFor, type Issuer, type Resource, type ResourceKey, type Site } from '../model/index.js';
import type { EventLog } from '../state/events.js';
import type { StatusStore } from '../state/status-store.js';
import { issueCertificate } from './issue.js';
import { acmePaths, type AcmePaths } from './paths.js';
import { backoffMs, nextAttempt } from './schedule.js';
import { EXPIRY_WARNING_MS, withCertificate, withFileCertificate, type CertificateView } from './status.js';
import { fileCertJudgements, type FileCertMemo } from './file-certs.js';
import { CertificateStore } from './store.js';
import { failureOf } from './problem.js';
import { ARI_MIN_POLL_MS, nextAriRecord, renewalOf } from './ari.js';
import { askRenewalInfo } from './ari-fetch.js';
import { AccountRetired } from './account.js';

export interface AcmeManagerOptions {
  host: Host;
  layout: Layout;
  events: EventLog;
  store: StatusStore;
  log: Logger;
  /** A certificate was installed (or an attempt ended): the Site is reconciled now. */
  queue: { add(key: ResourceKey, opts: { immediate: boolean }): void };
  /** CA poll interval bounds (default 250 ms … 5 s). */
  pollMs?: { min: number; max: number };
  /** Where tend_certificate_expiry_timestamp_seconds is registered (the daemon's /metrics). */
  registry?: Registry;
  /** The file-based TLS verdicts of the controller's snapshot (read here, judged by the pipeline). */
  fileCerts?: FileCertMemo;
}

interface View extends CertificateView {
  /** When to ask the CA's renewalInfo next (ARI), for a live certificate. */
  ariCheckAt?: number;
}

interface Wanted {
  site: Site;
  issuer: Issuer;
}

/** Longest sleep between looks at the schedule (clock jumps, certificates changed by hand). */
const MAX_SLEEP_MS = 3_600_000;

export class AcmeManager {
  readonly paths: AcmePaths;
  readonly certs: CertificateStore;
  private wanted = new Map<string, Wanted>();
  private views = new Map<string, View>();
  private warned = new Set<string>();
  private heldNoted = new Map<string, string>();
  private ariNotBefore = new Map<string, { serial: string; at: number }>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly opts: AcmeManagerOptions) {
    this.paths = acmePaths(opts.layout);
    this.certs = new CertificateStore(opts.host, this.paths);
    if (opts.registry) registerAcmeMetrics(opts.registry, this);
  }

  /** Takes this pass's acme Sites (Sites that resolve to no Issuer are invalid and never get here). */
  async apply(resources: readonly Resource[]): Promise<void> {
    await this.opts.host.fs.mkdirp(this.paths.challengeDir, 0o755);
    const wanted = new Map<string, Wanted>();
    for (const r of resources) {
      if (r.kind !== 'Site' || r.spec.tls?.acme === undefined) continue;
      const issuer = issuerFor(r, resources);
      if (issuer) wanted.set(r.metadata.name, { site: r, issuer });
    }
    this.wanted = wanted;
    for (const name of this.views.keys()) if (!wanted.has(name)) this.views.delete(name);
    for (const name of wanted.keys()) await this.refreshView(name);
    this.schedule();
  }

  /** Writes CertificateReady and the certificate block into every TLS Site's status. */
  publish(): void {
    const now = this.opts.host.now();
    for (const [name, view] of this.views) {
      const key: ResourceKey = `Site/${name}`;
      const st = this.opts.store.get(key);
      if (st) this.opts.store.put(withCertificate(st, view, now));
      this.warnExpiry(name, view, now);
    }
    for (const [name, judgement] of fileCertJudgements(this.opts.fileCerts ?? new Map())) {
      const key: ResourceKey = `Site/${name}`;
      const st = this.opts.store.get(key);
      if (st) this.opts.store.put(withFileCertificate(st, judgement, now));
      const held = judgement.heldBack ?? '';
      if (held !== (this.heldNoted.get(name) ?? '') && held !== '')
        this.opts.events.record({
          key,
          type: 'Warning',
          reason: 'CertificateHeldBack',
          message: `${key}: the certificate files are held back: ${held}${judgement.serving ? '; the previous certificate keeps serving' : ''}`,
        });
      this.heldNoted.set(name, held);
    }
  }

  /** notAfter (unix seconds) per Site with a live certificate (ACME or files), for the expiry gauge. */
  expiries(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [name, v] of this.views) if (v.cert) out.set(name, Date.parse(v.cert.notAfter) / 1000);
    for (const [name, j] of fileCertJudgements(this.opts.fileCerts ?? new Map()))
      if (j.serving?.notAfter) out.set(name, Date.parse(j.serving.notAfter) / 1000);
    return out;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private async refreshView(name: string): Promise<void> {
    const w = this.wanted.get(name);
    if (!w) return;
    const [cert, attempt, ari] = await Promise.all([
      this.certs.current(name),
      this.certs.attempt(name),
      this.certs.ari(name),
    ]);
    const now = this.opts.host.now();
    const renewal = cert ? renewalOf(cert, ari) : undefined;
    const next = nextAttempt({
      now,
      cert,
      attempt,
      domains: w.site.spec.domains,
      issuerName: w.issuer.metadata.name,
      ...(renewal?.rule === 'ari' ? { ari: { renewAt: renewal.at } } : {}),
    });
    // A certificate the CA was never asked about is asked about now; then when it said to ask again.
    const asked = cert && ari?.serial === cert.serial ? Date.parse(ari.nextCheckAt) : now;
    const guard = this.ariNotBefore.get(name);
    const ariCheckAt = cert ? Math.max(asked, guard?.serial === cert.serial ? guard.at : 0) : undefined;
    this.views.set(name, {
      issuer: w.issuer.metadata.name,
      cert,
      attempt,
      nextAttemptAt: next.at,
      ...(renewal ? { renewal } : {}),
      ...(ariCheckAt !== undefined ? { ariCheckAt } : {}),
    });
  }

  /** Asks the CA's renewalInfo about the live certificate; any failure leaves the one-third rule. */
  private async checkAri(name: string): Promise<void> {
    const w = this.wanted.get(name);
    const cert = await this.certs.current(name);
    if (!w || !cert) return;
    // Whatever happens below (a full disk, say), this certificate waits a minute before the next check.
    this.ariNotBefore.set(name, { serial: cert.serial, at: this.opts.host.now() + ARI_MIN_POLL_MS });
    const outcome = await askRenewalInfo(this.opts.host, w.issuer, cert);
    const prev = await this.certs.ari(name);
    const rec = nextAriRecord(prev, cert.serial, outcome, this.opts.host.now(), Math.random());
    await this.certs.recordAri(name, rec);
    this.opts.log.info(
      { site: name, serial: cert.serial, window: rec.window, renewAt: rec.renewAt, problem: rec.problem },
      'renewal information checked',
    );
    await this.refreshView(name);
    this.publish();
    this.opts.store.saveSoon();
  }

  private schedule(): void {
    if (this.stopped || this.running) return;
    if (this.timer) clearTimeout(this.timer);
    const now = this.opts.host.now();
    let soonest: { name: string; at: number; what: 'attempt' | 'ari' } | undefined;
    for (const [name, v] of this.views) {
      if (v.nextAttemptAt !== undefined && (!soonest || v.nextAttemptAt < soonest.at))
        soonest = { name, at: v.nextAttemptAt, what: 'attempt' };
      if (v.ariCheckAt !== undefined && (!soonest || v.ariCheckAt < soonest.at))
        soonest = { name, at: v.ariCheckAt, what: 'ari' };
    }
    if (!soonest) return;
    if (soonest.at <= now) {
      const name = soonest.name;
      const work = soonest.what === 'ari' ? this.checkAri(name) : this.attempt(name);
      this.running = work.finally(() => {
        this.running = undefined;
        this.schedule();
      });
      return;
    }
    this.timer = setTimeout(() => this.schedule(), Math.min(soonest.at - now, MAX_SLEEP_MS));
    this.timer.unref();
  }

  private async attempt(name: string): Promise<void> {
    const w = this.wanted.get(name);
    if (!w) return;
    const key: ResourceKey = `Site/${name}`;
    const before = this.views.get(name);
    const renewing = before?.cert !== undefined;
    const at = new Date(this.opts.host.now()).toISOString();
    try {
      const issued = await issueCertificate(this.opts.host, this.paths, {
        issuer: w.issuer,
        domains: w.site.spec.domains.map((d) => d.toLowerCase()),
        ...(this.opts.pollMs ? { pollMs: this.opts.pollMs } : {}),
      });
      const stored = await this.certs.install(name, w.issuer.metadata.name, issued.certificate, issued.key);
      await this.certs.recordAttempt(name, { at, ok: true, failures: 0 });
      this.warned.delete(name);
      this.opts.events.record({
        key,
        type: 'Normal',
        reason: renewing ? 'CertificateRenewed' : 'CertificateIssued',
        message: `${key}: certificate ${stored.serial} from Issuer/${w.issuer.metadata.name} for ${stored.domains.join(', ')}, valid until ${stored.notAfter}`,
      });
      this.opts.log.info(
        { site: name, serial: stored.serial, notAfter: stored.notAfter },
        'certificate installed',
      );
    } catch (err) {
      const f = failureOf(err);
      const failures = (before?.attempt && !before.attempt.ok ? before.attempt.failures : 0) + 1;
      const wait = backoffMs(failures, f.retryAfterMs);
      const nextAttemptAt = new Date(this.opts.host.now() + wait).toISOString();
      await this.certs.recordAttempt(name, {
        at,
        ok: false,
        error: { type: f.type, detail: f.detail },
        failures,
        nextAttemptAt,
      });
      this.opts.events.record({
        key,
        type: 'Warning',
        reason: renewing ? 'CertificateRenewalFailed' : 'CertificateIssuanceFailed',
        message: `${key}: ${f.type}: ${f.detail} (attempt ${failures}; next at ${nextAttemptAt}${renewing ? '; the current certificate keeps serving' : ''})`,
      });
      this.opts.log.warn(
        { site: name, type: f.type, detail: f.detail, nextAttemptAt },
        'certificate attempt failed',
      );
      if (f instanceof AccountRetired) this.accountRetired(w.issuer.metadata.name, f, nextAttemptAt);
    }
    await this.refreshView(name);
    this.publish();
    this.opts.store.saveSoon();
    this.opts.queue.add(key, { immediate: true });
  }

  private accountRetired(issuer: string, f: AccountRetired, nextAttemptAt: string): void {
    this.opts.events.record({
      key: `Issuer/${issuer}`,
      type: 'Warning',
      reason: 'AcmeAccountRetired',
      message: `Issuer/${issuer}: the CA refused account ${f.accountUrl} (${f.type}: ${f.detail}); its key is set aside as ${f.retiredFile} and a new account is registered at the next attempt (${nextAttemptAt})`,
    });
    this.opts.log.warn({ issuer, accountUrl: f.accountUrl, type: f.type }, 'ACME account retired');
  }

  private warnExpiry(name: string, view: CertificateView, now: number): void {
    if (!view.cert || this.warned.has(name)) return;
    const left = Date.parse(view.cert.notAfter) - now;
    if (left >= EXPIRY_WARNING_MS) return;
    this.warned.add(name);
    const days = Math.max(0, Math.floor(left / 86_400_000));
    this.opts.events.record({
      key: `Site/${name}`,
      type: 'Warning',
      reason: 'CertificateExpiring',
      message: `Site/${name}: certificate ${view.cert.serial} expires at ${view.cert.notAfter} (${days} days left)`,
    });
  }
}
