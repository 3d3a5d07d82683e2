// Two spellings of one setting compare equal (in the import's round trip and an adopting plan): `listen 80` and
// `listen 0.0.0.0:80`, `120` and `120s`, a supervisord command quoted two ways. A pool or program
// line that states the program's own default is dropped: present or absent, it does the same.
// nginx lines keep their defaults, because a server-level value overrides the http block's.
import { parseEnvironment, shlexSplit } from './supervisord-words.js';

/** The kinds whose host file tend can compare with its own rendering, directive by directive. */
export type ConfigKind = 'Site' | 'Pool' | 'Program';

/** php-fpm's per-pool defaults (php-fpm.conf documentation); a pool inherits none from [global]. */
const FPM_DEFAULTS: Record<string, string> = {
  'pm.max_requests': '0',
  'listen.mode': '0660',
  catch_workers_output: 'no',
  clear_env: 'yes',
  request_terminate_timeout: '0',
  request_slowlog_timeout: '0',
  'pm.process_idle_timeout': '10',
};
const FPM_SECONDS = new Set([
  'request_terminate_timeout',
  'request_slowlog_timeout',
  'pm.process_idle_timeout',
]);

/** supervisord's [program:x] defaults (its configuration documentation). */
const SUPERVISORD_DEFAULTS: Record<string, string> = {
  numprocs: '1',
  autostart: 'true',
  autorestart: 'unexpected',
  exitcodes: '0',
  startsecs: '1',
  startretries: '3',
  stopsignal: 'TERM',
  stopwaitsecs: '10',
  stopasgroup: 'false',
  killasgroup: 'false',
  redirect_stderr: 'false',
  priority: '999',
  stdout_logfile_maxbytes: '52428800',
  stdout_logfile_backups: '10',
};
const SUPERVISORD_BOOLEANS = new Set(['autostart', 'stopasgroup', 'killasgroup', 'redirect_stderr']);
const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };
const UNIT_BYTES: Record<string, number> = { '': 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

function seconds(value: string): string {
  const m = /^(\d+)([smhd]?)$/.exec(value);
  return m ? String(Number(m[1]) * UNIT_SECONDS[m[2]!]!) : value;
}

function truth(value: string): string {
  const v = value.toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(v)) return 'true';
  if (['false', 'no', 'off', '0'].includes(v)) return 'false';
  return value;
}

function poolLine(key: string, value: string): string | undefined {
  const v = FPM_SECONDS.has(key) ? seconds(value) : value;
  return FPM_DEFAULTS[key] === v ? undefined : `${key} = ${v}`;
}

function programLine(key: string, raw: string): string | undefined {
  let value = raw;
  if (key === 'command') {
    const argv = shlexSplit(value);
    if (argv) value = JSON.stringify(argv.map((a) => a.replaceAll('%%', '%')));
  } else if (key === 'environment') {
    const env = parseEnvironment(value);
    if (env)
      value = Object.keys(env)
        .sort()
        .map((k) => `${k}=${JSON.stringify(env[k]!.replaceAll('%%', '%'))}`)
        .join(',');
  } else if (key === 'autorestart') value = value.toLowerCase() === 'true' ? 'true' : value.toLowerCase();
  else if (SUPERVISORD_BOOLEANS.has(key)) value = truth(value);
  else if (key === 'stdout_logfile_maxbytes') {
    const m = /^(\d+)(KB|MB|GB)?$/.exec(value);
    if (m) value = String(Number(m[1]) * UNIT_BYTES[m[2] ?? '']!);
  }
  return SUPERVISORD_DEFAULTS[key] === value ? undefined : `${key} = ${value}`;
}

/**
 * tend's probe marker (decision 0032): a map and a header keyed by the host's probe secret, which
 * exists once tend has run there. It is tend's own, never a host's setting, so it is not compared.
 */
const PROBE_MARKER =
  /^(map \$http_x_tend_probe \$tend_probe_[a-z0-9_]+ > |server > add_header X-Tend-Site \$tend_probe_)/;

/**
 * One compared line in its canonical spelling; undefined when it only states a default, or (on the
 * side tend rendered, never the host's) is tend's probe marker.
 */
export function normaliseLine(kind: ConfigKind, line: string, rendered = false): string | undefined {
  if (kind === 'Site') {
    if (rendered && PROBE_MARKER.test(line)) return undefined;
    return line.replace(/(^|> )listen (?:\*:|0\.0\.0\.0:)?(\d+)(?= |$)/, '$1listen *:$2');
  }
  const at = line.indexOf(' = ');
  const key = line.slice(0, at);
  const value = line.slice(at + 3).trim();
  return kind === 'Pool' ? poolLine(key, value) : programLine(key, value);
}
