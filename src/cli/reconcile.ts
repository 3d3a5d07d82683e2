// `tend reconcile [--plan]`: compute what would change on this host and print it (text or JSON).
// Heavy modules load lazily so that `--help` and usage errors stay instant.
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { optionHint } from './suggest.js';
import { portNumber, portOptionProblem } from './port-option.js';
import { isTendError } from '../errors/catalogue.js';
import type { Profile } from '../layout/layout.js';
import { parseResourceKey, type ResourceKey } from '../model/envelope.js';
import type { CliIO, Command } from './io.js';
import { parseWebBases, WEB_BASE_USAGE } from './web-base.js';
import { HOST_FLAGS, HOST_USAGE, parseHostArgs } from './host-args.js';
import type { HostSlice } from '../source/host-slice.js';

const USAGE = `usage: tend reconcile [--plan] [options]

  --plan                    show what would change, change nothing
  --json                    print the plan (and, when applying, the outcome) as JSON (see docs/plan-json.md)
  --only KIND/NAME          plan one resource, e.g. Site/shop
  --diff directives|full    an adopting update (spec.adopt: true) shows the host directives it drops
                            or changes (default), or its full text diff
  -d, --desired-state DIR   directory of YAML resources (default: ./desired-state)
  --profile embedded|system where managed files live (default: embedded)
  --root DIR                root of the layout (embedded: <desired-state>/../.tend; system: /)
  --http-port N             embedded nginx listen port (default 8080)
${WEB_BASE_USAGE}  --host NAME               plan this host's slice of a fleet tree (same as --host-name)
${HOST_USAGE}  --allow-mass-delete       allow a plan that deletes every, or more than half of the, managed resources

exit status with --plan: 0 in sync, 2 changes (or blocked), 1 error
exit status when applying: 0 every change went live, 1 a change was held back, blocked or failed
`;

export interface ReconcileOptions {
  plan: boolean;
  json: boolean;
  /** `--diff full`: an adopting update prints its full text diff, not its directive comparison. */
  fullDiff?: boolean;
  only?: ResourceKey;
  desiredDir: string;
  /** As the user wrote it, for the header line. */
  desiredLabel: string;
  profile: Profile;
  root: string;
  httpPort?: number;
  allowMassDelete: boolean;
  webBases: readonly string[];
  /** The fleet host whose slice is planned or applied (decision 0037). */
  hostSlice: HostSlice;
}

type Parsed = { ok: true; opts: ReconcileOptions } | { ok: false; message: string } | { ok: 'help' };

export function parseReconcileArgs(args: string[], cwd: string): Parsed {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        plan: { type: 'boolean' },
        json: { type: 'boolean' },
        only: { type: 'string' },
        diff: { type: 'string' },
        'desired-state': { type: 'string', short: 'd' },
        profile: { type: 'string' },
        root: { type: 'string' },
        'http-port': { type: 'string' },
        'allow-mass-delete': { type: 'boolean' },
        'web-base': { type: 'string', multiple: true },
        host: { type: 'string' },
        ...HOST_FLAGS,
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    const message = (err as Error).message;
    return { ok: false, message: `${message}${optionHint(message, USAGE)}` };
  }
  if (values.help) return { ok: 'help' };
  const profile = values.profile ?? 'embedded';
  if (profile !== 'embedded' && profile !== 'system')
    return { ok: false, message: `expected --profile embedded or system, got "${profile}"` };
  let only: ResourceKey | undefined;
  if (values.only !== undefined) {
    const parsed = parseResourceKey(values.only);
    if (!parsed)
      return { ok: false, message: `expected --only KIND/NAME such as Site/shop, got "${values.only}"` };
    only = `${parsed.kind}/${parsed.name}`;
  }
  const diff = values.diff ?? 'directives';
  if (diff !== 'directives' && diff !== 'full')
    return { ok: false, message: `expected --diff directives or full, got "${diff}"` };
  const portProblem = portOptionProblem(values['http-port'], '--http-port');
  if (portProblem !== undefined) return { ok: false, message: portProblem };
  const httpPort = values['http-port'] === undefined ? undefined : portNumber(values['http-port']);
  const bases = parseWebBases(values['web-base'], cwd);
  if (!bases.ok) return { ok: false, message: bases.message };
  let hostSlice: HostSlice;
  try {
    // --host previews another host's slice; --host-name is the same, spelled as for serve.
    const named = values.host ?? values['host-name'];
    hostSlice = parseHostArgs({ ...values, ...(named ? { 'host-name': named } : {}) }, '--host');
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
  const desiredLabel = values['desired-state'] ?? './desired-state';
  const desiredDir = resolve(cwd, desiredLabel);
  const root = values.root
    ? resolve(cwd, values.root)
    : profile === 'embedded'
      ? resolve(dirname(desiredDir), '.tend')
      : '/';
  return {
    ok: true,
    opts: {
      plan: values.plan === true,
      json: values.json === true,
      ...(diff === 'full' ? { fullDiff: true } : {}),
      ...(only ? { only } : {}),
      desiredDir,
      desiredLabel,
      profile,
      root,
      ...(httpPort !== undefined ? { httpPort } : {}),
      allowMassDelete: values['allow-mass-delete'] === true,
      webBases: bases.webBases,
      hostSlice,
    },
  };
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** load → observe → plan → print. Exit 0 in sync, 2 changes, 1 error (load errors, refused deletions). */
export async function runPlan(opts: ReconcileOptions, io: CliIO): Promise<number> {
  const [{ computePlan }, plans, { formatLoadError }, { createRealHost }, { layoutFor }] = await Promise.all([
    import('../pipeline/compute-plan.js'),
    import('../plan/index.js'),
    import('../source/describe.js'),
    import('../host/real-host.js'),
    import('../layout/layout.js'),
  ]);
  const layout = layoutFor(opts.profile, opts.root, {
    ...(opts.httpPort ? { httpPort: opts.httpPort } : {}),
    webBases: opts.webBases,
  });
  const { plan, load, inventory, git } = await computePlan({
    host: createRealHost(),
    desiredDir: opts.desiredDir,
    layout,
    allowMassDelete: opts.allowMassDelete,
    ...(opts.only ? { only: opts.only } : {}),
    hostSlice: opts.hostSlice,
    readOnly: true,
  });

  if (opts.only && !load.resources.some((r) => r.key === opts.only) && !inventory.resources[opts.only]) {
    io.stderr(
      `tend reconcile: TEND_ERR_NOT_FOUND: ${opts.only} is neither in the desired state nor managed by tend\n`,
    );
    return 1;
  }
  for (const e of load.errors) io.stderr(`${formatLoadError(e)}\n`);
  if (!load.ok)
    io.stderr(
      `tend reconcile: the desired state has ${plural(load.errors.length, 'error')}` +
        `${load.unknownFiles.length ? ` (${plural(load.unknownFiles.length, 'file')} unreadable)` : ''}; ` +
        'the plan below covers the clean resources only, and holds every deletion\n',
    );

  io.stdout(
    opts.json
      ? plans.formatPlanJson(plan)
      : plans.formatPlanText(plan, {
          color: io.isTTY && !io.env.NO_COLOR,
          desiredDir: opts.desiredLabel,
          ...(git?.dirty ? { dirty: true } : {}),
          ...(opts.fullDiff ? { fullDiff: true } : {}),
        }),
  );

  if (plan.pruneHeld?.code === 'TEND_ERR_MASS_DELETE') {
    io.stderr(
      `tend reconcile: TEND_ERR_MASS_DELETE: ${plan.pruneHeld.reason}. ` +
        'If that is intended, run again with --allow-mass-delete\n',
    );
    return 1;
  }
  if (!load.ok) return 1;
  return plans.isInSync(plan) ? 0 : 2;
}

export const reconcileCommand: Command = async (args, io) => {
  const parsed = parseReconcileArgs(args, io.cwd);
  if (parsed.ok === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  if (!parsed.ok) {
    io.stderr(`tend reconcile: ${parsed.message}\n${USAGE}`);
    return 1;
  }
  try {
    if (!parsed.opts.plan) return await (await import('./apply.js')).runApply(parsed.opts, io);
    return await runPlan(parsed.opts, io);
  } catch (err) {
    if (!isTendError(err)) throw err;
    io.stderr(`tend reconcile: ${err.code}: ${err.message}\n`);
    return 1;
  }
};
