// Validating supervisord's config. There is no `supervisord -t`, so tend asks supervisord's own
// parser: reloadConfig on the live daemon (it re-reads but applies nothing), or, when none runs,
// the same ServerOptions.process_config under the interpreter named in the supervisord script.
import { isFault, type SupervisordClient } from './client.js';
import type { Host } from '../../host/host.js';
import type { ValidationResult } from '../service.js';

/** The failing files named in supervisord's parse errors: "(file: '/x.conf')" or "errors: '/x.conf'". */
export function failingFilesOf(message: string): string[] {
  const files = new Set<string>();
  for (const m of message.matchAll(/(?:file: |parsing errors: )'([^']+)'/g)) files.add(m[1]!);
  return [...files];
}

export async function validateLive(client: SupervisordClient): Promise<ValidationResult> {
  try {
    const diff = await client.reloadConfig();
    return {
      ok: true,
      message: `supervisord re-read its config: ${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed`,
      failingFiles: [],
    };
  } catch (err) {
    if (!isFault(err, 'CANT_REREAD')) throw err;
    const faultString = String((err as { details: { faultString?: string } }).details.faultString ?? '');
    return { ok: false, message: faultString, failingFiles: failingFilesOf(faultString) };
  }
}

// ValueError is how supervisord's parser reports every config mistake, as reloadConfig does.
const CHECK_SCRIPT = [
  'import sys',
  'from supervisor.options import ServerOptions',
  'o = ServerOptions()',
  'o.configfile = sys.argv[1]',
  'try:',
  '    o.process_config(do_usage=False)',
  'except ValueError as e:',
  '    sys.stdout.write(str(e))',
  '    sys.exit(3)',
].join('\n');

/** The interpreter from the supervisord script's #! line, which is the one that can import it. */
async function interpreterOf(host: Host, binary: string): Promise<string> {
  const first = (await host.fs.readFile(binary))?.split('\n', 1)[0] ?? '';
  const m = /^#!\s*(\S+)/.exec(first);
  return m ? m[1]! : '/usr/bin/python3';
}

export async function validateOffline(
  host: Host,
  binary: string,
  mainConfig: string,
): Promise<ValidationResult> {
  const python = await interpreterOf(host, binary);
  const result = await host.exec(python, ['-c', CHECK_SCRIPT, mainConfig], { timeoutMs: 30_000 });
  if (result.exitCode === 0) return { ok: true, message: `${mainConfig} parses`, failingFiles: [] };
  const message =
    result.exitCode === 3 ? result.stdout : `supervisord's parser could not run: ${result.stderr}`;
  return { ok: false, message, failingFiles: failingFilesOf(message) };
}
