// `tend status [Kind/name] [--json]`: what tend last observed and applied, as a table, one resource
// in detail, or JSON (the same objects the API serves).
import { dirname, join, resolve } from 'node:path';
import { TendError } from '../errors/catalogue.js';
import { createRealHost } from '../host/index.js';
import { layoutFor, type Profile } from '../layout/layout.js';
import { KINDS, parseResourceKey, type ResourceKey } from '../model/index.js';
import { getCondition, type ResourceStatus } from '../state/conditions.js';
import { fileStatusSource, type ResourceDetail, type StatusSource } from '../state/status-source.js';
import type { CliIO, Command } from './io.js';
import { parseCommandArgs, type CommonValues } from './common-args.js';
import { paintPhases, useColour } from './colour.js';
import { certificateNote, certificateSection } from './status-certificate.js';

const USAGE =
  'usage: tend status [Kind/name] [--json] [--watch] [--root DIR] [--profile embedded|system] [--desired-state DIR]\n' +
  '  reads the running tend serve when there is one, the state dir otherwise; --watch redraws every 2 s\n';

export interface StatusDeps {
  /** Overrides where status is read from (tests, and later the daemon's HTTP source). */
  source?: StatusSource;
  now?: () => number;
}

/** The state dir the other commands use: embedded root defaults to `.tend` beside the desired state. */
export function resolveStateDir(
  values: { root?: string; profile?: string; 'desired-state'?: string },
  cwd: string,
): string {
  const profile = (values.profile ?? 'embedded') as Profile;
  if (profile !== 'embedded' && profile !== 'system') {
    throw new TendError('TEND_ERR_USAGE', `expected --profile embedded or system, got "${values.profile}"`);
  }
  const desired = resolve(cwd, values['desired-state'] ?? 'desired-state');
  const root = values.root
    ? resolve(cwd, values.root)
    : profile === 'embedded'
      ? join(dirname(desired), '.tend')
      : '/';
  return layoutFor(profile, root).stateDir;
}

/** Accepts `Site/shop` and, leniently, `site/shop`. */
export function parseKeyArg(arg: string): ResourceKey {
  const [kind = '', ...rest] = arg.split('/');
  const canonicalKind = KINDS.find((k) => k.toLowerCase() === kind.toLowerCase()) ?? kind;
  const parsed = parseResourceKey([canonicalKind, ...rest].join('/'));
  if (!parsed) {
    throw new TendError(
      'TEND_ERR_USAGE',
      `expected Kind/name with Kind one of ${KINDS.join(', ')}, got "${arg}"`,
    );
  }
  return `${parsed.kind}/${parsed.name}`;
}

export function formatAge(fromIso: string, now: number): string {
  const ms = now - Date.parse(fromIso);
  if (!Number.isFinite(ms)) return '?';
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

/** The message a person needs first: a failure if there is one, else what Ready (or the active condition) says. */
function headline(status: ResourceStatus): string {
  const ready = getCondition(status.conditions, 'Ready');
  if (ready?.status === 'True') return oneLine(ready.message);
  if (status.lastError) return oneLine(`${status.lastError.code}: ${status.lastError.message}`);
  const active = [
    ready,
    ...(['Stalled', 'Reconciling'] as const)
      .map((t) => getCondition(status.conditions, t))
      .filter((c) => c?.status === 'True'),
    ...(['Applied', 'Healthy'] as const)
      .map((t) => getCondition(status.conditions, t))
      .filter((c) => c?.status === 'False'),
  ];
  return oneLine(active.find((c) => c && c.message !== '')?.message ?? '');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].map((l) => `${l}\n`).join('');
}

export function renderStatusTable(statuses: readonly ResourceStatus[], now: number): string {
  return table(
    ['KIND/NAME', 'PHASE', 'READY', 'AGE', 'MESSAGE'],
    statuses.map((s) => [
      s.key,
      s.phase,
      getCondition(s.conditions, 'Ready')?.status ?? '-',
      formatAge(s.updatedAt, now),
      [certificateNote(s, now), headline(s)].filter((x) => x).join(' · '),
    ]),
  );
}

export function renderStatusDetail(d: ResourceDetail, now: number): string {
  const out: string[] = [`${d.key}\n`];
  const field = (label: string, value: string | undefined) => {
    if (value !== undefined && value !== '') out.push(`  ${`${label}:`.padEnd(24)}${value}\n`);
  };
  field('Phase', d.phase);
  field('Updated', `${d.updatedAt} (${formatAge(d.updatedAt, now)} ago)`);
  field('Observed generation', d.observedGeneration);
  field('Last applied revision', d.lastAppliedRevision);
  if (d.lastError)
    field('Last error', `${d.lastError.code} at ${d.lastError.at}: ${oneLine(d.lastError.message)}`);
  out.push('\nConditions:\n');
  out.push(
    d.conditions.length === 0
      ? '  (none yet)\n'
      : indent(
          table(
            ['TYPE', 'STATUS', 'REASON', 'SINCE', 'MESSAGE'],
            d.conditions.map((c) => [
              c.type,
              c.status,
              c.reason,
              formatAge(c.lastTransitionTime, now),
              oneLine(c.message),
            ]),
          ),
        ),
  );
  const outputs = Object.entries(d.outputs);
  if (outputs.length > 0) {
    out.push('\nOutputs:\n');
    for (const [k, v] of outputs.sort(([a], [b]) => (a < b ? -1 : 1))) out.push(`  ${k}: ${v}\n`);
  }
  out.push(...certificateSection(d, now));
  if (d.health && Object.keys(d.health).length > 0) {
    out.push('\nHealth:\n');
    for (const [k, v] of Object.entries(d.health))
      if (k !== 'recentRuns') out.push(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}\n`);
  }
  out.push(...jobRunsSection(d.health?.recentRuns, now));
  out.push('\nEvents:\n');
  out.push(
    d.events.length === 0
      ? '  (none)\n'
      : indent(
          table(
            ['AGE', 'TYPE', 'REASON', 'MESSAGE'],
            d.events.map((e) => [
              // A folded event reads as kubectl shows one: its latest age, "(x5 over 3m)".
              formatAge(e.time, now) +
                (e.count !== undefined && e.count > 1 && e.firstTime
                  ? ` (x${e.count} over ${formatAge(e.firstTime, now)})`
                  : ''),
              e.type,
              e.reason,
              oneLine(e.message),
            ]),
          ),
        ),
  );
  return out.join('');
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => (l === '' ? l : `  ${l}`))
    .join('\n');

export async function runStatus(args: string[], io: CliIO, deps: StatusDeps = {}): Promise<number> {
  const parsed = parseCommandArgs(args, { watch: { type: 'boolean' } }, USAGE);
  const { positionals } = parsed;
  const values = parsed.values as CommonValues & { watch?: boolean };
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (positionals.length > 1) {
    throw new TendError(
      'TEND_ERR_USAGE',
      `expected at most one Kind/name, got ${positionals.length}\n${USAGE}`,
    );
  }
  const key = positionals[0] === undefined ? undefined : parseKeyArg(positionals[0]);
  const source = deps.source ?? (await defaultSource(resolveStateDir(values, io.cwd)));
  if (!values.watch) return renderOnce(source, key, values.json === true, io, (deps.now ?? Date.now)());
  // --watch: redraw until interrupted (Ctrl-C ends the process).
  for (;;) {
    let text = '';
    const code = await renderOnce(
      source,
      key,
      values.json === true,
      { ...io, stdout: (t) => (text += t) },
      (deps.now ?? Date.now)(),
    );
    io.stdout(
      `${io.isTTY ? '\x1b[H\x1b[2J' : '\n'}Every 2s: ${source.origin}  ${new Date().toISOString()}\n\n${text}`,
    );
    if (code !== 0 && !io.isTTY) return code;
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

/** The daemon when one serves this root (it holds the freshest status), else the state dir. */
async function defaultSource(stateDir: string): Promise<StatusSource> {
  const host = createRealHost();
  const { findDaemon, httpStatusSource } = await import('./client.js');
  const daemon = await findDaemon(host, stateDir);
  if (daemon) return httpStatusSource(daemon);
  // No daemon: Programs and Terminals read Unknown, never their last live state.
  const { offlineStatusSource } = await import('../state/offline-status.js');
  return offlineStatusSource(host, stateDir, fileStatusSource(host, stateDir));
}

async function renderOnce(
  source: StatusSource,
  key: ResourceKey | undefined,
  json: boolean,
  io: CliIO,
  now: number,
): Promise<number> {
  if (key) {
    const detail = await source.get(key);
    if (!detail) {
      io.stderr(
        `tend status: no status for ${key} in ${source.origin} (not reconciled yet, or no such resource)\n`,
      );
      return 1;
    }
    io.stdout(json ? `${JSON.stringify(detail, null, 2)}\n` : tint(io, renderStatusDetail(detail, now)));
    return 0;
  }
  const statuses = await source.list();
  if (json) io.stdout(`${JSON.stringify(statuses, null, 2)}\n`);
  else if (statuses.length === 0) io.stdout('No status yet: run tend reconcile\n');
  else io.stdout(tint(io, renderStatusTable(statuses, now)));
  return 0;
}

export const statusCommand: Command = (args, io) => runStatus(args, io);

/** Phases in colour on a terminal (not with NO_COLOR, not piped). */
const tint = (io: CliIO, text: string) => (useColour(io) ? paintPhases(text) : text);

/** A Job's recent runs (status.health.recentRuns) as a table, newest first. */
function jobRunsSection(runs: unknown, now: number): string[] {
  if (!Array.isArray(runs)) return [];
  type Run = {
    id: string;
    outcome: string;
    startedAt: string;
    durationMs?: number;
    exitCode?: number | null;
    signal?: string | null;
  };
  const rows = (runs as Run[]).map((r) => [
    r.id,
    r.outcome,
    formatAge(r.startedAt, now),
    r.durationMs !== undefined ? `${(r.durationMs / 1000).toFixed(1)}s` : '-',
    r.signal ? r.signal : r.exitCode === undefined || r.exitCode === null ? '-' : String(r.exitCode),
  ]);
  return [
    '\nRuns:\n',
    rows.length === 0
      ? '  (none yet)\n'
      : indent(table(['ID', 'OUTCOME', 'STARTED', 'DURATION', 'EXIT'], rows)),
  ];
}
