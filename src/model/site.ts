// Site: one nginx virtual host, built from a preset (php, laravel, wordpress, static, spa, proxy).
import { z } from 'zod';
import { envelope } from './envelope.js';
import { extraDirectiveProblem } from './nginx-directives.js';
import { absolutePath, hostname, name, port, size, urlPath } from './primitives.js';

export const PRESETS = ['php', 'laravel', 'wordpress', 'static', 'spa', 'proxy'] as const;
export type Preset = (typeof PRESETS)[number];
export const PHP_PRESETS: readonly Preset[] = ['php', 'laravel', 'wordpress'];

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, { message: 'expected an HTTP header name (letters, digits, "-")' });
/** Header values are written inside double quotes; ";" is allowed for Content-Security-Policy. */
const headerValue = z
  .string()
  .max(1024)
  .regex(/^[A-Za-z0-9 _./,:;=()'*+?!@%&<>|^~[\]-]*$/, {
    message: 'expected a header value without quotes, backslashes, "$", "{", "}", "#" or control characters',
  });

const proxy = z
  .strictObject({
    program: name().optional(),
    url: z
      .string()
      .max(512)
      .regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~/-]*)?$/, {
        message: 'expected an http(s) URL such as http://127.0.0.1:3000',
      })
      .optional(),
    websockets: z.boolean().default(true),
  })
  .refine((p) => (p.program === undefined) !== (p.url === undefined), {
    message: 'expected exactly one of proxy.program or proxy.url',
  });

export const siteSpec = z
  .strictObject({
    domains: z.array(hostname()).min(1, { message: 'expected at least one domain' }).max(100),
    preset: z.enum(PRESETS),
    root: absolutePath().optional(),
    index: z
      .array(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'expected a file name' }))
      .max(10)
      .optional(),
    php: z.strictObject({ pool: name() }).optional(),
    proxy: proxy.optional(),
    tls: z
      .strictObject({
        certificate: absolutePath().optional(),
        key: absolutePath().optional(),
        /** tend issues and renews the certificate from an Issuer (the default one when unnamed). */
        acme: z.strictObject({ issuer: name().optional() }).optional(),
        redirect: z.boolean().default(true),
        hsts: z
          .union([
            z.literal(false),
            z.strictObject({
              maxAge: z.number().int().min(0).max(63_072_000).default(31_536_000),
              includeSubdomains: z.boolean().default(false),
            }),
          ])
          .default(false),
      })
      .optional(),
    redirects: z
      .array(
        z.strictObject({
          from: urlPath(),
          to: z
            .string()
            .max(1024)
            .regex(/^(https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?)?\/[A-Za-z0-9._~/%-]*$/, {
              message: 'expected a path or an http(s) URL',
            }),
          status: z.union([z.literal(301), z.literal(302), z.literal(307), z.literal(308)]).default(301),
        }),
      )
      .max(500)
      .default([]),
    headers: z.record(headerName, headerValue).default({}),
    clientMaxBodySize: size('0', '10g').default('1m'),
    /** Escape hatch: extra single directives for the server block, each written as `directive;`. */
    extraDirectives: z
      .array(
        z
          .string()
          .max(512)
          .regex(/^[a-z_][a-z0-9_]*( [A-Za-z0-9 _./:=@+*$^()|\\[\]-]*)?$/, {
            message:
              'expected one nginx directive without ";", "{", "}", quotes, "#" or newlines, such as "gzip on"',
          })
          // A trailing backslash would escape the ";" tend appends and swallow the next line; one before
          // anything but a regex metacharacter, letter or digit changes how nginx splits the words.
          .refine((d) => !/\\$/.test(d), { message: 'expected a directive that does not end with "\\"' })
          .refine((d) => !/\\[^A-Za-z0-9.^$()|*+?[\]/-]/.test(d), {
            message:
              'expected "\\" only before a letter, digit or regex character (.^$()|*+?[]/-), as in "\\.php"',
          })
          // nginx's master is root: only directives that open no path, bind nothing and run no code.
          .superRefine((d, ctx) => {
            const problem = extraDirectiveProblem(d);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          }),
      )
      .max(50)
      .default([]),
    health: z
      .strictObject({
        path: urlPath().default('/'),
        expectStatus: z.number().int().min(100).max(599).default(200),
      })
      .default({ path: '/', expectStatus: 200 }),
    listenPort: port().optional(),
    adopt: z.boolean().default(false),
    /** Pause reconciling this resource: not applied, not pruned, drift only reported (decision 0033). */
    suspend: z.boolean().optional(),
  })
  .superRefine((s, ctx) => {
    const needsPhp = PHP_PRESETS.includes(s.preset);
    if (needsPhp && !s.php)
      ctx.addIssue({ code: 'custom', path: ['php'], message: `preset ${s.preset} needs php.pool` });
    if (!needsPhp && s.php)
      ctx.addIssue({
        code: 'custom',
        path: ['php'],
        message: `preset ${s.preset} does not run PHP; remove php`,
      });
    if (s.preset === 'proxy' && !s.proxy)
      ctx.addIssue({
        code: 'custom',
        path: ['proxy'],
        message: 'preset proxy needs proxy.program or proxy.url',
      });
    if (s.preset !== 'proxy' && s.proxy)
      ctx.addIssue({
        code: 'custom',
        path: ['proxy'],
        message: `preset ${s.preset} does not proxy; remove proxy`,
      });
    if (s.tls) tlsSourceIssues(s.tls, s.domains, ctx);
    if (s.preset !== 'proxy' && !s.root)
      ctx.addIssue({ code: 'custom', path: ['root'], message: `preset ${s.preset} needs a document root` });
    // nginx refuses two `location = /x` blocks with the same path.
    const firstAt = new Map<string, number>();
    s.redirects.forEach((r, i) => {
      const first = firstAt.get(r.from);
      if (first === undefined) firstAt.set(r.from, i);
      else
        ctx.addIssue({
          code: 'custom',
          path: ['redirects', i, 'from'],
          message: `redirect from ${r.from} is listed twice (first at redirects[${first}]); keep one`,
        });
    });
  });

/** tls names its certificate one way: files on disk, or acme; HTTP-01 cannot prove a wildcard. */
function tlsSourceIssues(
  tls: { certificate?: string | undefined; key?: string | undefined; acme?: object | undefined },
  domains: readonly string[],
  ctx: z.RefinementCtx,
) {
  const files = tls.certificate !== undefined || tls.key !== undefined;
  if (tls.acme && files)
    ctx.addIssue({
      code: 'custom',
      path: ['tls', 'acme'],
      message:
        'tls.acme and tls.certificate/tls.key are exclusive: let tend issue the certificate, or name the files',
    });
  else if (!tls.acme && (tls.certificate === undefined || tls.key === undefined))
    ctx.addIssue({
      code: 'custom',
      path: ['tls', tls.certificate === undefined ? 'certificate' : 'key'],
      message: 'tls needs both certificate and key, or acme: {} to let tend issue them',
    });
  if (tls.acme)
    domains.forEach((d, i) => {
      if (d.startsWith('*.'))
        ctx.addIssue({
          code: 'custom',
          path: ['domains', i],
          message: `${d} is a wildcard: tls.acme proves domains over HTTP-01, which cannot issue wildcards; list the names or use certificate files`,
        });
    });
}

export const siteResource = envelope('Site', siteSpec);
export type SiteSpec = z.infer<typeof siteSpec>;
export type Site = z.infer<typeof siteResource>;
