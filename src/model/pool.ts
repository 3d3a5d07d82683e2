// Pool: one PHP-FPM pool, with php-fpm's own pm.* arithmetic enforced before php-fpm sees it.
import { z } from 'zod';
import { envelope, metadata } from './envelope.js';
import { absolutePath, duration, durationMs, env, name, port, systemUser, urlPath } from './primitives.js';
import { privilegedGroup } from './privilege.js';

const INI_KEY = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;
const INI_VALUE = /^[A-Za-z0-9 _./,:@+%~=*-]{0,512}$/;
const iniKey = z
  .string()
  .regex(INI_KEY, { message: 'expected a php.ini directive name such as memory_limit or session.save_path' });

const pm = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('static'),
    maxChildren: z.number().int().min(1).max(1000),
  }),
  z
    .strictObject({
      type: z.literal('dynamic'),
      maxChildren: z.number().int().min(1).max(1000),
      startServers: z.number().int().min(1).max(1000).optional(),
      minSpareServers: z.number().int().min(1).max(1000),
      maxSpareServers: z.number().int().min(1).max(1000),
    })
    .superRefine((p, ctx) => {
      if (p.minSpareServers > p.maxSpareServers)
        ctx.addIssue({
          code: 'custom',
          path: ['minSpareServers'],
          message: `minSpareServers (${p.minSpareServers}) must be ≤ maxSpareServers (${p.maxSpareServers})`,
        });
      if (p.maxSpareServers > p.maxChildren)
        ctx.addIssue({
          code: 'custom',
          path: ['maxSpareServers'],
          message: `maxSpareServers (${p.maxSpareServers}) must be ≤ maxChildren (${p.maxChildren})`,
        });
      if (
        p.startServers !== undefined &&
        (p.startServers < p.minSpareServers || p.startServers > p.maxSpareServers)
      )
        ctx.addIssue({
          code: 'custom',
          path: ['startServers'],
          message: `startServers (${p.startServers}) must be between minSpareServers (${p.minSpareServers}) and maxSpareServers (${p.maxSpareServers})`,
        });
    }),
  z.strictObject({
    type: z.literal('ondemand'),
    maxChildren: z.number().int().min(1).max(1000),
    processIdleTimeout: duration('1s', '1h').default('10s'),
  }),
]);

/**
 * A file mode in octal, as a string. YAML 1.2 reads an unquoted 0660 as the decimal number 660, so
 * a number is taken back to its digits: 660 and 0660 → "0660", 7 (from 007) → "0007".
 */
const octalMode = z.preprocess(
  (v) => (typeof v === 'number' ? String(v).padStart(4, '0') : v),
  z.string().regex(/^0?[0-7]{3}$/, { message: 'expected an octal mode such as 0660' }),
);

/**
 * `unsafe: true` accepts a listener other local users can reach (TCP, or a socket mode wider than
 * 0660): FastCGI has no authentication, so whoever connects runs PHP as the pool's user.
 */
const listen = z.union([
  z.strictObject({
    socket: z.literal(true).default(true),
    owner: systemUser().optional(),
    group: systemUser().optional(),
    mode: octalMode.default('0660'),
    unsafe: z.boolean().optional(),
  }),
  z.strictObject({
    address: z.enum(['127.0.0.1', '::1']).default('127.0.0.1'),
    port: port(),
    unsafe: z.boolean().optional(),
  }),
]);

/** A mode that gives anyone but the socket's owner and group any access, or adds execute bits. */
export const modeWiderThan0660 = (mode: string) => (parseInt(mode, 8) & ~0o660) !== 0;

/**
 * The pool's user: a name, or `{ name, create: true }` for a system account tend creates (no login
 * shell, home under the web base) and never deletes.
 */
const poolUser = z.union([
  systemUser(),
  z.strictObject({
    name: systemUser(),
    create: z.boolean().default(false),
    home: absolutePath().optional(),
  }),
]);
export type PoolUser = z.infer<typeof poolUser>;
export const poolUserName = (user: PoolUser): string => (typeof user === 'string' ? user : user.name);

/** File names tend places in its own log dir, prefixed with the pool (php-fpm's root master writes them). */
const logFileName = z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$/, {
  message:
    "expected a file name such as slow.log: php-fpm's master (root) writes it, so tend keeps it in its own log dir for the Pool",
});

export const poolSpec = z
  .strictObject({
    php: z.string().regex(/^\d\.\d$/, { message: 'expected a PHP version such as 8.2' }),
    user: poolUser.default('www-data'),
    group: systemUser().optional(),
    listen: listen.default({ socket: true, mode: '0660' }),
    pm: pm.default({
      type: 'dynamic',
      maxChildren: 5,
      startServers: 2,
      minSpareServers: 1,
      maxSpareServers: 3,
    }),
    maxRequests: z.number().int().min(0).max(1_000_000).default(500),
    requestTimeout: duration('1s', '1h').optional(),
    slowlog: z
      .strictObject({
        timeout: duration('1s', '1h'),
        path: logFileName.optional(),
      })
      .optional(),
    /** Directories PHP may open besides the pool's tmp and session dirs; default: its Sites' roots. */
    openBasedir: z.array(absolutePath()).min(1).max(20).optional(),
    chdir: absolutePath().optional(),
    phpAdminValues: z
      .record(
        iniKey.refine((k) => k !== 'open_basedir', {
          message:
            "expected spec.openBasedir instead of phpAdminValues.open_basedir (tend adds the pool's own dirs)",
        }),
        z.string().regex(INI_VALUE, {
          message: 'expected an ini value of letters, digits, spaces and _./,:@+%~=*- only',
        }),
      )
      .default({}),
    phpAdminFlags: z.record(iniKey, z.boolean()).default({}),
    env: env(),
    health: z
      .strictObject({
        ping: urlPath().default('/ping'),
        response: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,32}$/, { message: 'expected a short word such as pong' })
          .default('pong'),
        /**
         * php-fpm's pm.status_path. Served on a separate status socket only tend reads (never through
         * nginx); not a .php path, so no Site's PHP location can pass it to the pool.
         */
        statusPath: urlPath()
          .refine((p) => !/\.php$/i.test(p), {
            message: 'expected a status path that does not end in .php (nginx passes .php paths to the pool)',
          })
          .default('/fpm-status'),
      })
      .refine((h) => h.statusPath !== h.ping, {
        path: ['statusPath'],
        message: 'expected a status path other than the ping path',
      })
      .default({ ping: '/ping', response: 'pong', statusPath: '/fpm-status' }),
    adopt: z.boolean().default(false),
    /** Pause reconciling this resource: not applied, not pruned, drift only reported (decision 0033). */
    suspend: z.boolean().optional(),
  })
  .superRefine((s, ctx) => {
    // php-fpm refuses a root pool unless its master runs with -R, and then fails the whole master.
    if (poolUserName(s.user) === 'root')
      ctx.addIssue({
        code: 'custom',
        path: ['user'],
        message: 'a pool never runs as root; expected an unprivileged user such as www-data',
      });
    const groupWhy = privilegedGroup(s.group, undefined);
    if (groupWhy)
      ctx.addIssue({
        code: 'custom',
        path: ['group'],
        message: `group ${s.group} is privileged (${groupWhy}); a pool never runs with it`,
      });
    const listen = s.listen;
    if ('port' in listen && !listen.unsafe)
      ctx.addIssue({
        code: 'custom',
        path: ['listen', 'port'],
        message: `a TCP listener (${listen.address}:${listen.port}) lets any local user run PHP as this pool's user; use the default unix socket, or set listen.unsafe: true to accept that`,
      });
    if ('mode' in listen && modeWiderThan0660(listen.mode) && !listen.unsafe)
      ctx.addIssue({
        code: 'custom',
        path: ['listen', 'mode'],
        message: `socket mode ${listen.mode} is wider than 0660: other local users could run PHP as this pool's user; use 0660 (nginx's group), or set listen.unsafe: true to accept that`,
      });
    if (s.slowlog && s.requestTimeout && durationMs(s.slowlog.timeout) > durationMs(s.requestTimeout))
      ctx.addIssue({
        code: 'custom',
        path: ['slowlog', 'timeout'],
        message: `slowlog.timeout (${s.slowlog.timeout}) must be ≤ requestTimeout (${s.requestTimeout})`,
      });
  });

/** Pool names php-fpm or the distribution already use: the pool's [name] section would clash. */
const RESERVED_POOL_NAMES: Readonly<Record<string, string>> = {
  global: 'expected a pool name other than "global": php-fpm reserves [global] for its own options',
  www:
    'expected a pool name other than "www": Debian\'s default pool is [www] in pool.d/www.conf, ' +
    'which the system profile would collide with',
};

const poolMetadata = metadata.extend({
  name: name().superRefine((n, ctx) => {
    const why = Object.hasOwn(RESERVED_POOL_NAMES, n) ? RESERVED_POOL_NAMES[n] : undefined;
    if (why) ctx.addIssue({ code: 'custom', message: why });
  }),
});

export const poolResource = envelope('Pool', poolSpec, poolMetadata);
export type PoolSpec = z.infer<typeof poolSpec>;
export type Pool = z.infer<typeof poolResource>;
