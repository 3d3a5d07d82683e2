// How tend asks nginx about a configuration without touching the live master: `nginx -t` over the
// live config or a scoped copy, and `nginx -T` (what nginx would really load, every included file).
// The arguments are the ones the live master runs with; the system profile passes no -p, exactly as
// Debian's init script and unit do, so `load_module modules/…` resolves against the compiled prefix.
import type { ServiceContext } from '../health/manager.js';
import type { ValidationResult } from '../service.js';
import { scopedNginxConfig } from './scoped-config.js';
import { nginxFailingFiles, nginxValidationMessage } from './main-config.js';

/** -p/-c as the live master uses them. The system profile never passes -p (see above). */
export function nginxBaseArgs(ctx: ServiceContext): string[] {
  const n = ctx.layout.nginx;
  return ctx.layout.profile === 'system' ? ['-c', n.mainConfig] : ['-p', n.prefix, '-c', n.mainConfig];
}

const binaryOf = (ctx: ServiceContext) => ctx.nginxBinary ?? '/usr/sbin/nginx';

async function runTest(ctx: ServiceContext, args: string[]): Promise<ValidationResult> {
  const result = await ctx.host.exec(binaryOf(ctx), ['-t', ...args], { timeoutMs: 60_000 });
  const output = `${result.stderr}\n${result.stdout}`.trim();
  return {
    ok: result.exitCode === 0,
    message: nginxValidationMessage(output) || 'nginx: configuration test is successful',
    failingFiles: result.exitCode === 0 ? [] : nginxFailingFiles(output),
  };
}

/** `nginx -t` over the live main config. */
export function validateLive(ctx: ServiceContext): Promise<ValidationResult> {
  return runTest(ctx, nginxBaseArgs(ctx));
}

/**
 * `nginx -t` over the live main config holding only `files` of the vhosts (embedded profile, with
 * a running master: the HUP that follows is the whole-config check). Files that are gone (deleted
 * vhosts) have nothing to check.
 */
export async function validateScopedFiles(
  ctx: ServiceContext,
  files: readonly string[],
): Promise<ValidationResult | undefined> {
  const { host, layout } = ctx;
  if (layout.profile !== 'embedded') return undefined;
  const main = await host.fs.readFile(layout.nginx.mainConfig);
  const present: string[] = [];
  for (const f of files) if ((await host.fs.stat(f)) !== undefined) present.push(f);
  const scoped = main === undefined ? undefined : scopedNginxConfig(main, layout.nginx.includeDir, present);
  if (scoped === undefined) return undefined;
  // Outside the include dir (its *.conf glob would pull it into the live config).
  const path = `${layout.nginx.prefix}/tend-scoped-check.conf`;
  // Edits of one Site in a row check the same set: no write (and no fsync) when it is unchanged.
  if ((await host.fs.readFile(path)) !== scoped) await host.fs.writeFileAtomic(path, scoped, 0o644);
  return runTest(ctx, ['-p', layout.nginx.prefix, '-c', path]);
}

/**
 * `nginx -T`: the whole configuration nginx would load, each file introduced by a
 * "# configuration file <path>:" line. Undefined when nginx refuses the config (nothing to judge).
 */
export async function dumpLiveConfig(ctx: ServiceContext): Promise<string | undefined> {
  const result = await ctx.host.exec(binaryOf(ctx), ['-T', ...nginxBaseArgs(ctx)], { timeoutMs: 60_000 });
  return result.exitCode === 0 ? result.stdout : undefined;
}
