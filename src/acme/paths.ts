// Where ACME material lives: keys and certificates under the state dir (root-only, 0600 keys), and
// the HTTP-01 answers in a tend-owned directory outside every web base, which nginx serves read-only.
import type { Layout } from '../layout/layout.js';

export interface AcmePaths {
  /** nginx aliases /.well-known/acme-challenge/ here; tend alone writes it (root, 0755). */
  challengeDir: string;
  /** One directory per Site: versioned <serial>.crt/.key and current.json (see store.ts). */
  siteDir(site: string): string;
  /** One ACME account key (and URL) per Issuer. */
  accountFile(issuer: string): string;
}

const join = (...parts: string[]) => parts.join('/').replace(/\/{2,}/g, '/');

export function acmePaths(layout: Layout): AcmePaths {
  const base = join(layout.stateDir, 'acme');
  return {
    // Beside the state dir, not in it: nginx workers (www-data) must traverse to it, never into state.
    challengeDir:
      layout.profile === 'embedded'
        ? join(layout.root, 'acme-challenge')
        : join(layout.root, '/var/lib/tend-acme-challenge'),
    siteDir: (site) => join(base, 'certs', site),
    accountFile: (issuer) => join(base, 'accounts', `${issuer}.json`),
  };
}
