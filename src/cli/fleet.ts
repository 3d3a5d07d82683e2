// `tend fleet status --hosts-file FILE`: asks every host's API (one `URL TOKEN` per line) at once and
// prints one table: host, revision, resources by phase, last error. Exit 1 when a host does not answer.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { apiRequest, type Daemon } from './client.js';
import type { CliIO, Command } from './io.js';

const USAGE = `usage: tend fleet status --hosts-file FILE [--json]

  --hosts-file FILE   one host per line: its API URL and its token, e.g.
                        http://web1.example.com:7080 3f9c…   (blank lines and # comments are skipped)
  --json              print the rows as JSON

The host and revision come from each host's tend_info metric (GET /metrics); the phases from
GET /v1/resources; the last error from its source (GET /v1/source) or its most recently failing resource.
`;

export interface FleetRow {
  url: string;
  host: string;
  revision: string;
  phases: Record<string, number>;
  lastError: string;
  reachable: boolean;
}

/** `URL TOKEN` per line; the token is never printed, a line with anything else is refused by number. */
export function parseHostsFile(text: string, file: string): Daemon[] {
  const hosts: Daemon[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const [url, token, ...rest] = line.split(/\s+/);
    let ok = rest.length === 0 && token !== undefined;
    try {
      ok &&= ['http:', 'https:'].includes(new URL(url!).protocol);
    } catch {
      ok = false;
    }
    if (!ok)
      throw new Error(`${file}:${i + 1}: expected "URL TOKEN" (an http:// URL, a space, the API token)`);
    hosts.push({ url: url!, pid: 0, token: token! });
  });
  return hosts;
}

type Condition = {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
};
type Item = { key: string; status?: { phase?: string; conditions?: Condition[] } };

async function askHost(daemon: Daemon): Promise<FleetRow> {
  const row: FleetRow = {
    url: daemon.url,
    host: '?',
    revision: '?',
    phases: {},
    lastError: '',
    reachable: false,
  };
  try {
    const [metrics, resources, source] = await Promise.all([
      apiRequest(daemon, 'GET', '/metrics'),
      apiRequest(daemon, 'GET', '/v1/resources'),
      apiRequest(daemon, 'GET', '/v1/source'),
    ]);
    if (resources.status !== 200) throw new Error(`GET /v1/resources answered ${resources.status}`);
    row.reachable = true;
    const info = /^tend_info\{host="([^"]*)",revision="([^"]*)"\} 1$/m.exec(String(metrics.body));
    if (info) [row.host, row.revision] = [info[1]!, info[2]! || '-'];
    const items = (resources.body as { items: Item[] }).items;
    for (const it of items) {
      const phase = it.status?.phase ?? 'Unknown';
      row.phases[phase] = (row.phases[phase] ?? 0) + 1;
    }
    // The source first (it holds every resource back), then the newest failing Ready condition.
    const sourceCond = (source.body as { conditions?: Condition[] }).conditions?.find(
      (c) => c.type === 'SourceReady',
    );
    if (source.status === 200 && sourceCond && sourceCond.status !== 'True')
      row.lastError = `source: ${sourceCond.reason ?? ''}: ${sourceCond.message ?? ''}`;
    else {
      const failing = items
        .flatMap((it) =>
          (it.status?.conditions ?? [])
            .filter((c) => c.type === 'Ready' && c.status === 'False')
            .map((c) => ({ key: it.key, c })),
        )
        .sort((a, b) => (a.c.lastTransitionTime ?? '').localeCompare(b.c.lastTransitionTime ?? ''))
        .at(-1);
      if (failing) row.lastError = `${failing.key}: ${failing.c.reason ?? ''}: ${failing.c.message ?? ''}`;
    }
  } catch (err) {
    row.lastError = `unreachable: ${(err as Error).message}`;
  }
  // One line per host: a long message is cut, never wrapped across rows.
  row.lastError = row.lastError.replace(/\s+/g, ' ').slice(0, 160);
  return row;
}

export function formatFleetTable(rows: readonly FleetRow[]): string {
  const cells = rows.map((r) => [
    r.host === '?' ? r.url : r.host,
    r.revision === '?' || r.revision === '-' ? r.revision : r.revision.slice(0, 12),
    Object.entries(r.phases)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([p, n]) => `${p}=${n}`)
      .join(' ') || '-',
    r.lastError || '-',
  ]);
  const all = [['HOST', 'REVISION', 'RESOURCES', 'LAST ERROR'], ...cells];
  const widths = [0, 1, 2].map((i) => Math.max(...all.map((c) => c[i]!.length)));
  return all.map((c) => c.map((x, i) => (i < 3 ? x.padEnd(widths[i]!) : x)).join('  ')).join('\n') + '\n';
}

export const fleetCommand: Command = async (args, io: CliIO) => {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        'hosts-file': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.stderr(`tend fleet: ${(err as Error).message}\n${USAGE}`);
    return 1;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (positionals.join(' ') !== 'status' || !values['hosts-file']) {
    io.stderr(`tend fleet: expected "status --hosts-file FILE"\n${USAGE}`);
    return 1;
  }
  const file = resolve(io.cwd, values['hosts-file']);
  let hosts: Daemon[];
  try {
    hosts = parseHostsFile(readFileSync(file, 'utf8'), values['hosts-file']);
  } catch (err) {
    io.stderr(`tend fleet: TEND_ERR_USAGE: ${(err as Error).message}\n`);
    return 1;
  }
  const rows = await Promise.all(hosts.map(askHost));
  io.stdout(values.json ? `${JSON.stringify(rows, null, 2)}\n` : formatFleetTable(rows));
  return rows.every((r) => r.reachable) ? 0 : 1;
};
