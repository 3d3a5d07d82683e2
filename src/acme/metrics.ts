// tend_certificate_expiry_timestamp_seconds{site}: when each acme Site's live certificate expires,
// read from the manager at scrape time (documented in docs/metrics.md).
import { Gauge, type Registry } from 'prom-client';
import type { AcmeManager } from './manager.js';

export function registerAcmeMetrics(registry: Registry, acme: Pick<AcmeManager, 'expiries'>): void {
  new Gauge({
    name: 'tend_certificate_expiry_timestamp_seconds',
    help: "When the Site's live TLS certificate expires (notAfter, unix seconds).",
    labelNames: ['site'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [site, at] of acme.expiries()) this.set({ site }, at);
    },
  });
}
