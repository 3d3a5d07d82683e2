// supervisord program files (conf.d/*.conf, read with the `ini` package) → Program documents with
// `backend: supervisord` for `tend import`. The command is split the way supervisord splits it (posix
// shlex, no shell). Keys without a Program field get a reason the round trip reports (verify.ts).
import { iniSections, type IniSection } from '../directives/ini-sections.js';
import { lineOf, sectionLine, sectionLines } from '../directives/ini-lines.js';
import { parseEnvironment, shlexSplit } from '../directives/supervisord-words.js';
import { resourceName } from './sites.js';
import { oneLine, type Finding, type ImportedResource } from './types.js';

const AUTORESTART: Record<string, string> = { true: 'always', unexpected: 'on-failure', false: 'never' };

function mapProgram(
  section: string,
  s: IniSection,
  text: string,
  file: string,
): { resource: ImportedResource } | { refused: Finding } {
  const program = section.slice('program:'.length);
  const reasons = new Map<number, string>();
  const why = (key: string, reason: string) => reasons.set(lineOf(text, section, key), reason);
  const argv = shlexSplit(s.command ?? '');
  if (!argv || argv.length === 0 || (s.command ?? '').includes('%('))
    return {
      refused: {
        file,
        line: lineOf(text, section, 'command'),
        text: `command=${oneLine(s.command ?? '')}`,
        why: 'expected a command supervisord splits into arguments, without %(…)s expansions',
      },
    };
  const spec: Record<string, unknown> = { command: argv, backend: 'supervisord', adopt: true };
  if (s.directory !== undefined) spec.directory = s.directory;
  if (s.user !== undefined) spec.user = s.user;
  if (s.environment !== undefined) {
    const env = parseEnvironment(s.environment);
    if (env) spec.env = env;
    else why('environment', 'expected KEY=value pairs separated by ","');
  }
  if (s.numprocs !== undefined) spec.instances = Number(s.numprocs);
  if (s.autorestart !== undefined) {
    const restart = AUTORESTART[s.autorestart.toLowerCase()];
    if (restart) spec.restart = restart;
  }
  if (s.startsecs !== undefined) spec.startSeconds = Number(s.startsecs);
  const stop: Record<string, string> = {};
  if (s.stopsignal !== undefined) stop.signal = s.stopsignal.toUpperCase();
  if (s.stopwaitsecs !== undefined) stop.timeout = `${Number(s.stopwaitsecs)}s`;
  if (Object.keys(stop).length > 0) spec.stop = stop;
  for (const key of ['stdout_logfile', 'stderr_logfile', 'stdout_logfile_maxbytes', 'stdout_logfile_backups'])
    why(key, "tend keeps a supervisord Program's log in its own log dir, stderr with stdout");
  why('startretries', "tend derives supervisord's retries from spec.backoff");
  why('priority', 'tend orders Programs by spec.dependsOn');
  why('process_name', 'tend names the instances of a Program itself');
  const name = resourceName(program);
  return {
    resource: {
      kind: 'Program',
      name,
      file,
      line: sectionLine(text, section) || 1,
      document: { apiVersion: 'tend/v1' as const, kind: 'Program', metadata: { name }, spec },
      original: sectionLines(section, s, text),
      reasons,
      steps: [],
      lost: [],
      added: [],
    },
  };
}

export function programsFromFile(
  text: string,
  file: string,
): { resources: ImportedResource[]; refused: Finding[] } {
  const resources: ImportedResource[] = [];
  const refused: Finding[] = [];
  for (const [section, body] of iniSections(text)) {
    const line = sectionLine(text, section);
    if (!section.startsWith('program:')) {
      refused.push({
        file,
        line,
        text: `[${oneLine(section)}]`,
        why: 'only [program:x] sections become Programs',
      });
      continue;
    }
    if (!/^program:[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(section)) {
      refused.push({ file, line, text: `[${oneLine(section)}]`, why: 'a Program name must be a DNS label' });
      continue;
    }
    const mapped = mapProgram(section, body, text, file);
    if ('refused' in mapped) refused.push(mapped.refused);
    else resources.push(mapped.resource);
  }
  return { resources, refused };
}
