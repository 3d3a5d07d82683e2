// Validated building blocks shared by every kind: names, hostnames, paths, durations, sizes,
// signals, ports and the "safe text" rules that keep hostile strings out of configs and argv.
import { z } from 'zod';

/** A DNS label: what every metadata.name, reference and user name must be. */
export const NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const name = () =>
  z.string().regex(NAME_PATTERN, {
    message:
      'expected a DNS label: lowercase letters, digits and "-", 1-63 characters, no leading or trailing "-"',
  });

/** RFC 1123 hostname; a leading "*." wildcard is allowed. Lower-cased by the site rules. */
const LABEL = '[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
export const HOSTNAME_PATTERN = new RegExp(`^(\\*\\.)?(${LABEL}\\.)*${LABEL}$`);
export const hostname = () =>
  z.string().max(253, { message: 'expected a hostname of at most 253 characters' }).regex(HOSTNAME_PATTERN, {
    message: 'expected an RFC 1123 hostname such as shop.example.com or *.example.com',
  });

/** Characters that may appear in a path tend writes into a config or passes on a command line. */
const PATH_CHARS = /^[A-Za-z0-9._/@+=,~-]+$/;
export const absolutePath = () =>
  z
    .string()
    .max(1024, { message: 'expected a path of at most 1024 characters' })
    .refine((p) => p.startsWith('/'), { message: 'expected an absolute path (starting with "/")' })
    .refine((p) => PATH_CHARS.test(p), {
      message:
        'expected a path of letters, digits and ._/@+=,~- only (no spaces, quotes, ";", "{", "}" or control characters)',
    })
    .refine((p) => !p.split('/').some((seg) => seg === '..' || seg === '.'), {
      message: 'expected a normalised path without "." or ".." segments',
    });

/** A URL path such as /ping or /old/page; used in nginx locations and FastCGI pings. */
export const urlPath = () =>
  z
    .string()
    .max(512)
    .regex(/^\/[A-Za-z0-9._~/-]*$/, {
      message: 'expected a URL path starting with "/" using letters, digits and ._~/- only',
    })
    .refine((p) => !p.split('/').includes('..'), { message: 'expected a URL path without ".." segments' });

/** An argv element: goes straight to execve, never through a shell unless asked, so only NUL and newlines are refused. */
export const argvElement = () =>
  z
    .string()
    .min(1, { message: 'expected a non-empty argument' })
    .max(4096)
    .refine((s) => !/[\u0000\n\r]/.test(s), {
      message: 'NUL and newline characters are not allowed in a command',
    });

const DURATION_PATTERN = /^(\d{1,7})(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses "30s", "5m", "500ms" into milliseconds; NaN when the text is not a duration. */
export function durationMs(text: string): number {
  const m = DURATION_PATTERN.exec(text);
  if (!m) return Number.NaN;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

export const duration = (min: string, max: string) =>
  z
    .string()
    .regex(DURATION_PATTERN, { message: 'expected a duration such as 500ms, 30s, 5m, 2h or 1d' })
    .refine((s) => durationMs(s) >= durationMs(min) && durationMs(s) <= durationMs(max), {
      message: `expected a duration between ${min} and ${max}`,
    });

const SIZE_PATTERN = /^(\d{1,7})([kKmMgG]?)$/;
const UNIT_BYTES = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as const;

/** Parses nginx-style sizes ("10m", "512k", "1g") into bytes; NaN when not a size. */
export function sizeBytes(text: string): number {
  const m = SIZE_PATTERN.exec(text);
  if (!m) return Number.NaN;
  return Number(m[1]) * UNIT_BYTES[(m[2] ?? '').toLowerCase() as keyof typeof UNIT_BYTES];
}

export const size = (min: string, max: string) =>
  z
    .string()
    .regex(SIZE_PATTERN, { message: 'expected a size such as 512k, 10m or 1g' })
    .refine((s) => sizeBytes(s) >= sizeBytes(min) && sizeBytes(s) <= sizeBytes(max), {
      message: `expected a size between ${min} and ${max}`,
    });

export const SIGNALS = [
  'TERM',
  'INT',
  'QUIT',
  'HUP',
  'KILL',
  'USR1',
  'USR2',
  'WINCH',
  'CONT',
  'STOP',
] as const;
export const signal = () =>
  z
    .string()
    .transform((s) => s.replace(/^SIG/, ''))
    .pipe(z.enum(SIGNALS, { message: `expected a signal name: ${SIGNALS.join(', ')}` }));

export const port = () =>
  z
    .number()
    .int({ message: 'expected a whole port number' })
    .min(1, { message: 'expected a port from 1 to 65535' })
    .max(65535, { message: 'expected a port from 1 to 65535' });

/** A system user or group name as useradd accepts it. */
export const systemUser = () =>
  z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, {
    message: 'expected a system user or group name (lowercase, 1-32 characters)',
  });

/** Environment variables; a value may be marked secret so that it is masked in every output. */
export const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
export const envValue = () =>
  z.union([
    z
      .string()
      .max(8192)
      .refine((s) => !/[\u0000\n\r]/.test(s), { message: 'NUL and newlines are not allowed in env values' }),
    z.strictObject({
      value: z
        .string()
        .max(8192)
        .refine((s) => !/[\u0000\n\r]/.test(s), {
          message: 'NUL and newlines are not allowed in env values',
        }),
      secret: z.boolean().default(true),
    }),
  ]);
export const env = () =>
  z
    .record(
      z
        .string()
        .regex(ENV_KEY, { message: 'expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)' }),
      envValue(),
    )
    .refine((r) => Object.keys(r).length <= 200, { message: 'expected at most 200 environment variables' })
    .default({});
export type EnvValue = z.infer<ReturnType<typeof envValue>>;

export function envPlain(value: EnvValue): string {
  return typeof value === 'string' ? value : value.value;
}
export function envIsSecret(value: EnvValue): boolean {
  return typeof value !== 'string' && value.secret;
}
