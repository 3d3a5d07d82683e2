// Issuer: an ACME certificate authority tend may ask for Site certificates (directory, contact,
// optional External Account Binding and extra CA roots). Sites name it; tend derives the domains.
import { z } from 'zod';
import { envelope } from './envelope.js';
import { absolutePath } from './primitives.js';

/** Directory URLs of the presets; any other https URL names a private or third-party CA. */
export const ACME_PRESETS = {
  letsencrypt: 'https://acme-v02.api.letsencrypt.org/directory',
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
} as const;
export type AcmePreset = keyof typeof ACME_PRESETS;

const directoryUrl = z
  .string()
  .max(512)
  .regex(/^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~/%-]*)?$/, {
    message: 'expected letsencrypt, letsencrypt-staging or an https URL of an ACME directory',
  });

export const issuerSpec = z.strictObject({
  directory: z.union([z.enum(['letsencrypt', 'letsencrypt-staging']), directoryUrl], {
    message: 'expected letsencrypt, letsencrypt-staging or an https URL of an ACME directory',
  }),
  email: z.email({ message: 'expected an email address such as ops@example.com' }).max(254),
  /**
   * Whether the CA issues for the public internet only (it then refuses names such as shop.test).
   * Default: true for the presets, false for a URL on a loopback or private address, true otherwise.
   */
  public: z.boolean().optional(),
  /** The key is a secret: it lives in a file (root-only), never in the desired state. */
  externalAccountBinding: z
    .strictObject({
      keyId: z
        .string()
        .min(1)
        .max(256)
        .regex(/^[A-Za-z0-9._~-]+$/, { message: 'expected a key id of letters, digits and ._~-' }),
      hmacKeyFile: absolutePath(),
    })
    .optional(),
  /** PEM files of extra roots to trust when talking to the ACME server (private CAs, tests). */
  caRoots: z.array(absolutePath()).max(10).default([]),
  /** A Site that writes `tls: { acme: {} }` uses the one default Issuer. */
  default: z.boolean().default(false),
});

export const issuerResource = envelope('Issuer', issuerSpec);
export type IssuerSpec = z.infer<typeof issuerSpec>;
export type Issuer = z.infer<typeof issuerResource>;

export function directoryUrlOf(spec: Pick<IssuerSpec, 'directory'>): string {
  return spec.directory in ACME_PRESETS ? ACME_PRESETS[spec.directory as AcmePreset] : spec.directory;
}

/** Loopback, RFC 1918 and link-local hosts: a CA reached there is a private one. */
const PRIVATE_HOST =
  /^(localhost|127\.\d+\.\d+\.\d+|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+|172\.(1[6-9]|2\d|3[01])\.\d+\.\d+|169\.254\.\d+\.\d+)$|\.(localhost|test|internal|local|lan)$/i;

export function issuerIsPublic(spec: Pick<IssuerSpec, 'directory' | 'public'>): boolean {
  if (spec.public !== undefined) return spec.public;
  if (spec.directory in ACME_PRESETS) return true;
  const host = /^https:\/\/([^/:]+)/.exec(spec.directory)?.[1] ?? '';
  return !PRIVATE_HOST.test(host);
}

/** TLDs no public CA issues for (RFC 2606, RFC 6761, RFC 8375, common private suffixes). */
const NON_PUBLIC_TLDS = new Set([
  'test',
  'example',
  'invalid',
  'localhost',
  'local',
  'localdomain',
  'internal',
  'lan',
  'home',
  'corp',
  'intranet',
  'private',
  'onion',
  'arpa',
]);

/** Why a public CA would refuse this name; undefined when it looks like a public DNS name. */
export function nonPublicNameProblem(domain: string): string | undefined {
  const d = domain.toLowerCase();
  if (/^[\d.]+$/.test(d)) return 'is an IP address, not a DNS name';
  const labels = d.split('.');
  if (labels.length < 2)
    return 'has a single label; a public name needs a registered domain such as shop.example.com';
  const tld = labels[labels.length - 1]!;
  if (NON_PUBLIC_TLDS.has(tld)) return `ends in .${tld}, which is not a public top-level domain`;
  if (!/^[a-z]{2,63}$/.test(tld) && !/^xn--[a-z0-9-]+$/.test(tld))
    return `ends in .${tld}, which is not a public top-level domain`;
  return undefined;
}
