// `tend logs Kind/name [-f] [--instance N] [--since 10m] [--tail 100] [--slow]`: a resource's log
// lines from the running `tend serve`, one per line, marked with its instance and stream; -f keeps
// following (server-sent events) until interrupted.
import { request } from 'node:http';
import { TendError } from '../errors/catalogue.js';
import { formatLine, type LogLine } from '../logs/read.js';
import { apiError, apiRequest, target, type Daemon } from './client.js';
import { COMMON_USAGE, parseCommandArgs, requireDaemon } from './common-args.js';
import type { CliIO } from './io.js';
import { parseKeyArg } from './status.js';

const USAGE =
  `usage: tend logs Kind/<name> [-f] [--instance N] [--since 10m] [--tail 100] [--slow] ${COMMON_USAGE}\n` +
  "  Programs: each instance's output; Jobs: a run's output (--instance RUN-ID, default the last run);\n" +
  '  Sites: access and error logs; Pools: the error log (--slow: the slow log); Terminals: session audit.\n' +
  '  Each line reads "Kind/name[instance] stream | text"; --json prints one JSON object per line.\n';

/** Follows the SSE stream until the server ends it or the process is interrupted. */
function follow(daemon: Daemon, path: string, onLine: (l: LogLine) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...target(daemon.url, path),
        method: 'GET',
        agent: false,
        headers: {
          Accept: 'text/event-stream',
          ...(daemon.token ? { Authorization: `Bearer ${daemon.token}` } : {}),
        },
      },
      (res) => {
        if (res.statusCode !== 200) {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => {
            let body: unknown = text;
            try {
              body = JSON.parse(text);
            } catch {
              /* not JSON */
            }
            reject(apiError({ status: res.statusCode ?? 0, body }));
          });
          return;
        }
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (d: string) => {
          buf += d;
          let at: number;
          while ((at = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, at);
            buf = buf.slice(at + 2);
            const data = frame.split('\n').find((l) => l.startsWith('data: '));
            if (data && /^event: line$/m.test(frame)) onLine(JSON.parse(data.slice(6)) as LogLine);
          }
        });
        res.on('end', resolve);
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export async function logsCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      follow: { type: 'boolean', short: 'f' },
      instance: { type: 'string' },
      since: { type: 'string' },
      tail: { type: 'string' },
      slow: { type: 'boolean' },
    },
    USAGE,
  );
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (positionals.length !== 1)
    throw new TendError('TEND_ERR_USAGE', `expected one Kind/name, got "${positionals.join(' ')}"\n${USAGE}`);
  const key = parseKeyArg(positionals[0]!);
  const query = new URLSearchParams();
  for (const k of ['instance', 'since', 'tail'] as const)
    if (typeof values[k] === 'string') query.set(k, values[k]);
  if (values.slow) query.set('slow', '1');
  const daemon = await requireDaemon(values, io.cwd, `read the logs of ${key}`);
  const print = (l: LogLine) => io.stdout(values.json ? `${JSON.stringify(l)}\n` : `${formatLine(key, l)}\n`);
  if (values.follow) {
    query.set('follow', '1');
    await follow(daemon, `/v1/resources/${key}/logs?${query}`, print);
    return 0;
  }
  const r = await apiRequest(daemon, 'GET', `/v1/resources/${key}/logs${query.size ? `?${query}` : ''}`);
  if (r.status !== 200) throw apiError(r);
  for (const l of (r.body as { lines: LogLine[] }).lines) print(l);
  return 0;
}
