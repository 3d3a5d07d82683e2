// `tend restart|stop|start Program/x [--instance N]`, `tend reload Site/x|Pool/x`,
// `tend suspend|resume Kind/name` and `tend pause`/`tend resume`: operator controls, sent to the
// running `tend serve` of this root (POST /v1/resources/:kind/:name/:action, /v1/pause, /v1/resume).
import { userInfo } from 'node:os';
import { TendError } from '../errors/catalogue.js';
import type { ControlAction } from '../api/control-routes.js';
import { apiError, apiRequest } from './client.js';
import { COMMON_USAGE, parseCommandArgs, requireDaemon } from './common-args.js';
import type { CliIO, Command } from './io.js';
import { parseKeyArg } from './status.js';

export type ControlVerb = ControlAction | 'pause';

const WHAT: Record<ControlVerb, string> = {
  restart: 'restart Program/<name> [--instance N]: restart a native Program (one instance, or each in turn)',
  stop: 'stop Program/<name> [--instance N]: stop it; it stays stopped across resyncs and restarts until started',
  start: 'start Program/<name> [--instance N]: start what `tend stop` stopped',
  reload: "reload Site/<name>|Pool/<name>: reload nginx (Site) or the pool's php-fpm master (Pool)",
  suspend: 'suspend Kind/<name>: stop reconciling it (not applied, not pruned; drift only reported)',
  resume: 'resume [Kind/<name>]: reconcile a suspended resource again, or, without one, the paused daemon',
  pause: 'pause: the daemon applies nothing until `tend resume` (`tend reconcile --plan` still previews)',
};

/** Who asked, as status shows it: the sudo user when there is one. */
function asker(io: CliIO, verb: string): string {
  const user =
    io.env.SUDO_USER ??
    (() => {
      try {
        return userInfo().username;
      } catch {
        return 'unknown';
      }
    })();
  return `${user.replace(/[^A-Za-z0-9_.@-]/g, '?').slice(0, 32)} via tend ${verb}`;
}

export function controlCommand(verb: ControlVerb): Command {
  const usage = `usage: tend ${WHAT[verb].split(':')[0]} ${COMMON_USAGE}\n  ${WHAT[verb].split(': ').slice(1).join(': ')}\n`;
  return async (args: string[], io: CliIO): Promise<number> => {
    const takesInstance = verb === 'restart' || verb === 'stop' || verb === 'start';
    const { values, positionals } = parseCommandArgs(
      args,
      takesInstance ? { instance: { type: 'string' } } : {},
      usage,
    );
    if (values.help) {
      io.stdout(usage);
      return 0;
    }
    const daemonWide = verb === 'pause' || (verb === 'resume' && positionals.length === 0);
    if (positionals.length !== (daemonWide ? 0 : 1))
      throw new TendError(
        'TEND_ERR_USAGE',
        `expected ${daemonWide ? 'no argument' : 'one Kind/name'}, got "${positionals.join(' ')}"\n${usage}`,
      );
    let instance: number | undefined;
    if (typeof values.instance === 'string') {
      if (!/^\d{1,3}$/.test(values.instance))
        throw new TendError(
          'TEND_ERR_USAGE',
          `expected --instance as an instance index (0, 1, …), got "${values.instance}"`,
        );
      instance = Number(values.instance);
    }
    const daemon = await requireDaemon(values, io.cwd, `${verb} ${positionals[0] ?? 'the daemon'}`);
    const by = asker(io, verb);
    let path: string;
    let body: object = { by };
    if (daemonWide) path = verb === 'pause' ? '/v1/pause' : '/v1/resume';
    else {
      const key = parseKeyArg(positionals[0]!);
      path = `/v1/resources/${key}/${verb}`;
      if (instance !== undefined) body = { ...body, instance };
    }
    const r = await apiRequest(daemon, 'POST', path, { body, timeoutMs: 30 * 60_000 });
    if (r.status !== 200) throw apiError(r);
    const result = r.body as { message: string; status?: { phase?: string } };
    if (values.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else io.stdout(`${result.message}${result.status?.phase ? ` (phase ${result.status.phase})` : ''}\n`);
    return 0;
  };
}
