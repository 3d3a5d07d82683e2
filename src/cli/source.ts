// `tend source refresh|pin REV|unpin|status`: asks the running `tend serve --git` of this root to
// fetch now, hold a revision, follow the branch again, or show its source status.
import { TendError } from '../errors/catalogue.js';
import { createRealHost } from '../host/index.js';
import { apiError, apiRequest, findDaemon } from './client.js';
import type { CliIO } from './io.js';
import { parseCommandArgs, type CommonValues } from './common-args.js';
import { resolveStateDir } from './status.js';

const USAGE =
  'usage: tend source refresh|pin <commit>|unpin|status [--json] [--root DIR] [--profile embedded|system] [-d DIR]\n' +
  '  refresh: fetch the branch now and apply a new revision (waits for the pass)\n' +
  '  pin:     apply <commit> and hold it until unpin (refused when it does not validate)\n' +
  '  unpin:   follow the branch again\n' +
  '  status:  the revision served, the last attempted, the pin and the SourceReady condition\n';

interface SourceView {
  url?: string;
  branch?: string;
  revision?: string;
  lastFetchedRevision?: string;
  lastAttemptedRevision?: string;
  pinnedRevision?: string;
  conditions?: { type: string; status: string; reason: string; message: string }[];
}

function describe(s: SourceView): string {
  const c = s.conditions?.[0];
  const lines = [
    `Source:            ${s.url ?? '?'} (${s.branch ?? '?'})`,
    `Revision:          ${s.revision ?? '(none yet)'}`,
    `Last fetched:      ${s.lastFetchedRevision ?? '-'}`,
    `Last attempted:    ${s.lastAttemptedRevision ?? '-'}`,
    ...(s.pinnedRevision ? [`Pinned:            ${s.pinnedRevision}`] : []),
    ...(c ? [`SourceReady:       ${c.status} (${c.reason}): ${c.message}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

export async function sourceCommand(args: string[], io: CliIO): Promise<number> {
  const parsed = parseCommandArgs(args, {}, USAGE);
  const { positionals } = parsed;
  const values = parsed.values as CommonValues;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const [sub, rev, ...extra] = positionals;
  const wantsRev = sub === 'pin';
  if (
    !['refresh', 'pin', 'unpin', 'status'].includes(sub ?? '') ||
    (wantsRev ? rev === undefined : rev !== undefined) ||
    extra.length > 0
  )
    throw new TendError(
      'TEND_ERR_USAGE',
      `expected refresh, pin <commit>, unpin or status; got "${positionals.join(' ')}"\n${USAGE}`,
    );
  const stateDir = resolveStateDir(values, io.cwd);
  const daemon = await findDaemon(createRealHost(), stateDir);
  if (!daemon)
    throw new TendError('TEND_ERR_NOT_FOUND', `no running tend serve for the state dir ${stateDir}`);
  const r =
    sub === 'status'
      ? await apiRequest(daemon, 'GET', '/v1/source')
      : await apiRequest(daemon, 'POST', `/v1/source/${sub}`, {
          body: wantsRev ? { revision: rev } : {},
          timeoutMs: 30 * 60_000,
        });
  if (r.status !== 200) throw apiError(r);
  const view = r.body as SourceView;
  io.stdout(values.json ? `${JSON.stringify(view, null, 2)}\n` : describe(view));
  return view.conditions?.[0]?.status === 'False' && sub !== 'status' ? 1 : 0;
}
