// `tend validate`: load the desired state and print every error as file:line:col, then a summary.
import { resolve } from 'node:path';
import { detectPhpVersions } from '../observe/observe.js';
import { isTendError } from '../errors/catalogue.js';
import { createRealHost, type Host } from '../host/index.js';
import { readAccounts } from '../host/accounts.js';
import { rootTraversal } from '../observe/root-traversal.js';
import { embeddedLayout, type Layout } from '../layout/index.js';
import { formatLoadError } from '../source/index.js';
import { jobWarnings } from '../jobs/warnings.js';
import { processHostIssues } from './validate-process.js';
import type { CliIO } from './io.js';
import { parseCommandArgs } from './common-args.js';
import { paint, useColour } from './colour.js';
import { hostMemoryBytes } from '../drivers/health/memory.js';
import type { Pool } from '../model/index.js';
import { worstCaseWarning } from './memory-warning.js';
import { parseWebBases, WEB_BASE_USAGE } from './web-base.js';
import { HOST_FLAGS, HOST_USAGE, parseHostArgs } from './host-args.js';
import { loadEverySlice } from './validate-slices.js';

const USAGE = `usage: tend validate [--desired-state DIR] [--no-host-checks] [--web-base DIR]

  -d, --desired-state DIR  directory of YAML resources (default: ./desired-state)
      --no-host-checks     skip rules that need this host (installed PHP versions), e.g. in CI
${WEB_BASE_USAGE}
A fleet tree (hosts/NAME/ directories, metadata.hosts) is checked once per host it names, with:
${HOST_USAGE.replace('(default: hostname)', '(default: every host the tree names)')}`;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What validate checks against: the host and a layout (the binaries the drivers would run). */
export interface ValidateEnv {
  host: Host;
  layout: Layout;
}

/** validate takes no profile: an embedded layout under a root that is never written to will do. */
export const VALIDATE_ROOT = '/nonexistent/tend-validate';

const defaultEnv = (): ValidateEnv => ({ host: createRealHost(), layout: embeddedLayout(VALIDATE_ROOT) });

export async function validateCommand(
  args: string[],
  io: CliIO,
  env: ValidateEnv = defaultEnv(),
): Promise<number> {
  let values: {
    'desired-state'?: string;
    'no-host-checks'?: boolean;
    'web-base'?: string[];
    'host-name'?: string;
    'host-label'?: string[];
    'host-default'?: string;
    help?: boolean;
  };
  try {
    // The common options (--root, --profile, --json…) are accepted: validate needs none of them.
    const parsed = parseCommandArgs(args, { 'no-host-checks': { type: 'boolean' }, ...HOST_FLAGS }, USAGE);
    if (parsed.positionals.length > 0)
      throw new Error(`takes no arguments, got "${parsed.positionals.join(' ')}"\n${USAGE}`);
    values = parsed.values as typeof values;
  } catch (err) {
    io.stderr(`tend validate: ${(err as Error).message}\n`);
    return 1;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const dir = resolve(io.cwd, values['desired-state'] ?? 'desired-state');
  // The same detection as the plan's: the php-fpm binaries the drivers would run.
  const bases = parseWebBases(values['web-base'], io.cwd);
  if (!bases.ok) {
    io.stderr(`tend validate: ${bases.message}\n${USAGE}`);
    return 1;
  }
  // The web bases are policy, not a fact about this host: they apply even with --no-host-checks.
  const accounts = values['no-host-checks'] ? undefined : await readAccounts(env.host);
  // As the daemon judges it: as root, nginx's workers are www-data, and a root they cannot reach is refused.
  const traversal = accounts && env.host.isRoot() ? rootTraversal(env.host, accounts, 'www-data') : undefined;
  const ruleContext = !accounts
    ? { webBases: bases.webBases }
    : {
        webBases: bases.webBases,
        installedPhp: await detectPhpVersions(env.host, env.layout),
        accounts,
        ...(traversal ? { traversal } : {}),
      };
  let result;
  let hosts: string[];
  try {
    const slice = parseHostArgs(values);
    const only = values['host-name'];
    ({ result, hosts } = await loadEverySlice(dir, { ruleContext }, slice, only));
  } catch (err) {
    if (!isTendError(err)) throw err;
    io.stderr(`tend validate: ${err.code}: ${err.message}\n`);
    return 1;
  }
  // Users, groups and commands of Programs and Jobs, as this host resolves them.
  const hostIssues = values['no-host-checks'] ? [] : await processHostIssues(env.host, result.resources);
  if (hostIssues.length > 0) result = { ...result, ok: false, errors: [...result.errors, ...hostIssues] };
  const red = (t: string) => (useColour(io) ? paint('red', t) : t);
  for (const e of result.errors) io.stdout(`${red(formatLoadError(e))}\n`);
  for (const r of result.resources)
    if (r.resource.kind === 'Job')
      for (const w of jobWarnings(r.resource))
        io.stdout(
          `warning: ${formatLoadError({ code: 'TEND_ERR_SCHEMA', file: r.file, line: r.line, col: r.col, key: r.key, ...w })}\n`,
        );
  const badFiles = new Set([...result.errors.map((e) => e.file), ...result.unknownFiles]);
  const sliced = hosts.length > 0 ? ` (${plural(hosts.length, 'host slice')}: ${hosts.join(', ')})` : '';
  const valid = `${plural(result.resources.length, 'resource')} valid${sliced}`;
  if (!values['no-host-checks']) {
    const hostBytes = await hostMemoryBytes(env.host);
    const pools = result.resources.map((r) => r.resource).filter((r): r is Pool => r.kind === 'Pool');
    const warning = hostBytes === undefined ? undefined : worstCaseWarning(pools, hostBytes);
    if (warning) io.stdout(`${warning}\n`);
  }
  if (result.ok) {
    const ok = useColour(io) ? paint('green', 'ok') : 'ok';
    io.stdout(`${ok}: ${valid} in ${plural(result.files.length, 'file')}\n`);
    return 0;
  }
  const unknown = result.unknownFiles.length
    ? `; ${plural(result.unknownFiles.length, 'file')} could not be read as resources`
    : '';
  io.stdout(
    `${red(plural(result.errors.length, 'error'))} in ${plural(badFiles.size, 'file')}; ${valid}${unknown}\n`,
  );
  return 1;
}
