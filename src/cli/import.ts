// `tend import --out DIR | --dry-run`: read a host in the system profile (enabled vhosts, pool.d,
// supervisord's conf.d) and write desired state for it, one file per resource, each `adopt: true`
// and validated by the normal loader and planner first (src/import/, decision 0043).
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TendError } from '../errors/catalogue.js';
import { COMMON_USAGE, parseCommandArgs, type CommonValues } from './common-args.js';
import { portOption } from './port-option.js';
import type { CliIO, Command } from './io.js';
import { parseWebBases, WEB_BASE_USAGE } from './web-base.js';

const USAGE = `usage: tend import --out DIR | --dry-run ${COMMON_USAGE}

  --out DIR                 write one YAML file per imported resource into DIR (new files only)
  --dry-run                 print the YAML instead of writing it
  --root DIR                the host's root (default /; tests point it at a copy)
  --http-port N             the port tend's Sites listen on by default (default 80)
${WEB_BASE_USAGE}  --json                    print the import report as JSON on stdout

Reads <root>/etc/nginx/sites-enabled, <root>/etc/php/*/fpm/pool.d and <root>/etc/supervisor/conf.d.
Every host line tend's rendering would not write is listed (stderr and the YAML's comments), never
dropped. Exit status: 0 every resource is expressed exactly, 2 something is listed, 1 error.
`;

type Values = CommonValues & { out?: string; 'dry-run'?: boolean };

export const importCommand: Command = async (args: string[], io: CliIO): Promise<number> => {
  const parsed = parseCommandArgs(args, { out: { type: 'string' }, 'dry-run': { type: 'boolean' } }, USAGE);
  const values = parsed.values as Values;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (parsed.positionals.length > 0)
    throw new TendError(
      'TEND_ERR_USAGE',
      `expected no argument, got "${parsed.positionals.join(' ')}"\n${USAGE}`,
    );
  if ((values.out === undefined) === (values['dry-run'] !== true))
    throw new TendError('TEND_ERR_USAGE', `expected exactly one of --out DIR or --dry-run\n${USAGE}`);
  if ((values.profile ?? 'system') !== 'system')
    throw new TendError('TEND_ERR_USAGE', `import reads the system profile; got --profile ${values.profile}`);
  const httpPort = portOption(values['http-port'], '--http-port');
  const bases = parseWebBases(values['web-base'], io.cwd);
  if (!bases.ok) throw new TendError('TEND_ERR_USAGE', bases.message);
  const root = resolve(io.cwd, values.root ?? '/');
  const out = values.out === undefined ? undefined : resolve(io.cwd, values.out);

  const [{ readHost }, { roundTrip, stagedName }, yamlOut, { createRealHost }, { systemLayout }] =
    await Promise.all([
      import('../import/read-host.js'),
      import('../import/verify.js'),
      import('../import/yaml-out.js'),
      import('../host/real-host.js'),
      import('../layout/layout.js'),
    ]);
  const layout = systemLayout(root, { ...(httpPort ? { httpPort } : {}), webBases: bases.webBases });
  const report = await readHost({ root, listenPort: layout.nginx.listenPort });
  const staging = await mkdtemp(join(tmpdir(), 'tend-import-'));
  try {
    await roundTrip(report, { host: createRealHost(), layout, stagingDir: staging });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }

  const files = report.resources.map((r) => ({ name: stagedName(r), text: yamlOut.resourceYaml(r) }));
  if (out !== undefined) {
    await mkdir(out, { recursive: true });
    const existing = new Set(await readdir(out));
    const clash = files.find((f) => existing.has(f.name));
    if (clash)
      throw new TendError(
        'TEND_ERR_USAGE',
        `${join(out, clash.name)} already exists; import writes new files only (choose another --out)`,
      );
    for (const f of files) await writeFile(join(out, f.name), f.text, { flag: 'wx' });
  } else if (!values.json) io.stdout(files.map((f) => `---\n${f.text}`).join(''));

  if (values.json) io.stdout(yamlOut.reportJson(report));
  io.stderr(yamlOut.reportText(report));
  const listed =
    report.refused.length > 0 || report.resources.some((r) => yamlOut.describeResource(r).length > 0);
  return listed ? 2 : 0;
};
