// `tend job run NAME [--wait]`: asks the running `tend serve` to start a run of Job/NAME now and
// prints its id (with --wait: waits for the run and exits 0 only when it succeeded).
import { TendError } from '../errors/catalogue.js';
import { createRealHost } from '../host/index.js';
import { NAME_PATTERN } from '../model/index.js';
import { apiError, apiRequest, findDaemon } from './client.js';
import type { CliIO } from './io.js';
import { parseCommandArgs, type CommonValues } from './common-args.js';
import { resolveStateDir } from './status.js';

const USAGE =
  'usage: tend job run <name> [--wait] [--root DIR] [--profile embedded|system] [--desired-state DIR]\n' +
  '  starts a run of Job/<name> in the running `tend serve` and prints its id;\n' +
  '  --wait waits for the run to end and exits 0 only when it succeeded\n';

interface RunView {
  id: string;
  outcome: string;
  message?: string;
  log: string;
}

export async function jobCommand(args: string[], io: CliIO): Promise<number> {
  const parsed = parseCommandArgs(args, { wait: { type: 'boolean' } }, USAGE);
  const { positionals } = parsed;
  const values = parsed.values as CommonValues & { wait?: boolean };
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const [sub, name, ...extra] = positionals;
  if (sub !== 'run' || name === undefined || extra.length > 0) {
    io.stderr(`tend job: expected "run <name>", got "${positionals.join(' ')}"\n${USAGE}`);
    return 1;
  }
  if (!NAME_PATTERN.test(name))
    throw new TendError('TEND_ERR_USAGE', `expected a Job name (a DNS label), got ${JSON.stringify(name)}`);
  const stateDir = resolveStateDir(values, io.cwd);
  const daemon = await findDaemon(createRealHost(), stateDir);
  if (!daemon)
    throw new TendError(
      'TEND_ERR_NOT_FOUND',
      `expected a running \`tend serve\` for ${stateDir} to run Job/${name}, found none`,
    );
  const r = await apiRequest(daemon, 'POST', `/v1/jobs/${name}/runs`, {
    body: { wait: values.wait === true },
    timeoutMs: values.wait ? 24 * 3_600_000 : 30_000,
  });
  if (r.status !== 201) throw apiError(r);
  const run = (r.body as { run: RunView }).run;
  if (values.json) io.stdout(`${JSON.stringify(run)}\n`);
  else if (!values.wait) io.stdout(`${run.id}\n`);
  else io.stdout(`${run.id} ${run.outcome}${run.message ? `: ${run.message}` : ''}\nlog: ${run.log}\n`);
  return values.wait && run.outcome !== 'succeeded' ? 1 : 0;
}
