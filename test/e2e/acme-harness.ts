// The start-up every ACME e2e test (and the ACME bench) shares: a `tend serve` with an HTTPS port
// whose embedded nginx pebble validates HTTP-01 through, pebble as the default Issuer, static Sites
// with an ACME certificate, and reads of a Site's certificate status.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../helpers/e2e.js';
import { caRootIn, httpsGet, startPebble, type Pebble } from './pebble-harness.js';
import { serveEnv, waitFor, type ServeEnv } from './serve-harness.js';

export interface AcmeServe {
  env: ServeEnv;
  pebble: Pebble;
  /** tend's HTTPS port (--https-port). */
  httpsPort: number;
}

/** What a Site's status says of its certificate (each test reads the fields it needs). */
export interface CertStatus {
  serial?: string;
  notAfter?: string;
  domains?: string[];
  source?: string;
  lastAttempt?: { ok: boolean; error?: { type: string; detail: string } };
  renewal?: { rule: string; at: string; window?: { start: string; end: string }; reason?: string };
}

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

/** `tend serve` (not started yet) with an HTTPS port, and pebble validating through its nginx. */
export async function servePebble(
  t: { after: (fn: () => Promise<void> | void) => void },
  opts: { validitySeconds?: number } = {},
): Promise<AcmeServe> {
  const httpsPort = await freePort();
  const env = await serveEnv(t, ['--https-port', String(httpsPort)]);
  const pebble = await startPebble({ httpPort: env.port, validitySeconds: opts.validitySeconds });
  t.after(() => pebble.stop());
  return { env, pebble, httpsPort };
}

/** The default Issuer `pebble`: pebble's directory (or a front of it) and pebble's CA as caRoots. */
export function writePebbleIssuer(
  { env, pebble }: AcmeServe,
  email: string,
  directory = pebble.directory,
): void {
  env.write(
    'issuer.yaml',
    `apiVersion: tend/v1
kind: Issuer
metadata: { name: pebble }
spec:
  directory: ${directory}
  email: ${email}
  caRoots: [${caRootIn(pebble, env.base)}]
  default: true
`,
  );
}

/** A web root under the env's www holding index.html with `body`. */
export function staticRoot(env: ServeEnv, name: string, body: string): string {
  const root = join(env.www, name);
  mkdirSync(root);
  writeFileSync(join(root, 'index.html'), body);
  return root;
}

/** A static Site whose certificate comes from the default Issuer. */
export const acmeSiteYaml = (name: string, root: string, domains: string[], redirect: boolean) =>
  `apiVersion: tend/v1
kind: Site
metadata: { name: ${name} }
spec:
  domains: [${domains.join(', ')}]
  preset: static
  root: ${root}
  tls: { acme: {}, redirect: ${redirect} }
`;

/** The Site's certificate as its status reports it (empty before any). */
export async function certificateOf(env: ServeEnv, site: string): Promise<CertStatus> {
  return ((await env.resource(`Site/${site}`))?.certificate ?? {}) as CertStatus;
}

/** The Site's CertificateReady condition. */
export async function certificateReady(env: ServeEnv, site: string): Promise<Condition | undefined> {
  const st = (await env.resource(`Site/${site}`)) as { conditions?: Condition[] } | undefined;
  return st?.conditions?.find((c) => c.type === 'CertificateReady');
}

/** Waits for `domain` to be served over HTTPS with a chain to `ca`; the first answer. */
export function firstServed({ httpsPort }: AcmeServe, ca: string, domain: string) {
  return waitFor(
    'the first certificate to be served',
    () => httpsGet(httpsPort, ca, domain).catch(() => undefined),
    90_000,
  );
}

/** Waits for status to report a failed attempt (`what` names it); the certificate status then. */
export function failedAttempt(env: ServeEnv, site: string, what: string): Promise<CertStatus> {
  return waitFor(
    what,
    async () => {
      const c = await certificateOf(env, site);
      return c.lastAttempt?.ok === false ? c : undefined;
    },
    90_000,
  );
}
