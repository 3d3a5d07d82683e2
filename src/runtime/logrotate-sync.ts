// System profile: keeps /etc/logrotate.d/tend equal to the rules for the logs tend owns now
// (src/logs/logrotate-config.ts). A changed rule set is checked with `logrotate -d` before it is
// installed; one logrotate refuses is not installed (the previous rules stay) and is reported.
import { dirname } from 'node:path';
import type { Host } from '../host/index.js';
import type { Layout } from '../layout/layout.js';
import type { Resource } from '../model/index.js';
import {
  logrotateConfigPath,
  renderLogrotateConfig,
  type LogrotateLimits,
} from '../logs/logrotate-config.js';

export interface LogrotateSync {
  path: string;
  /** The file changed on disk. */
  written: boolean;
  /** Why the rules were not checked or not installed. */
  problem?: string;
}

/** The distribution's nginx rule, when it already matches the Sites' log dir (Debian: `*.log`). */
async function distroNginxRule(host: Host, layout: Layout): Promise<string | undefined> {
  const file = `${dirname(logrotateConfigPath(layout))}/nginx`;
  const text = await host.fs.readFile(file);
  const glob = `${dirname(layout.nginx.siteLog('x', 'access'))}/*.log`;
  return text?.split('\n').some((l) => l.trim().split(/\s+/).includes(glob)) ? file : undefined;
}

/** `logrotate -d` on a rule file: undefined when it accepts it, else what it said. */
export async function checkLogrotateConfig(
  host: Host,
  file: string,
  stateFile: string,
): Promise<string | undefined> {
  const r = await host.exec('logrotate', ['-d', '-s', stateFile, file]);
  const errors = r.stderr.split('\n').filter((l) => /^error:/.test(l));
  if (r.exitCode === 0 && errors.length === 0) return undefined;
  return `logrotate -d refused ${file} (exit ${r.exitCode}): ${(errors.join('; ') || r.stderr).trim().slice(0, 500)}`;
}

export async function syncLogrotateConfig(
  host: Host,
  layout: Layout,
  resources: readonly Resource[],
  limits: LogrotateLimits,
  /** The rules logrotate refused last, so an unchanged refused set is not checked every round. */
  refused: { content?: string; problem?: string } = {},
): Promise<LogrotateSync> {
  const path = logrotateConfigPath(layout);
  const nginxRuleBy = await distroNginxRule(host, layout);
  const content = renderLogrotateConfig({
    layout,
    limits,
    resources,
    ...(nginxRuleBy ? { nginxRuleBy } : {}),
  });
  if ((await host.fs.readFile(path)) === content) return { path, written: false };
  if (refused.content === content && refused.problem)
    return { path, written: false, problem: refused.problem };
  if (!(await host.which('logrotate'))) {
    await install(host, path, content);
    return { path, written: true, problem: 'logrotate is not installed: the rules were written unchecked' };
  }
  // Checked where logrotate's own run would not pick it up (it reads every file in logrotate.d).
  const candidate = `${layout.stateDir}/logrotate.candidate`;
  await host.fs.writeFileAtomic(candidate, content, 0o644);
  const problem = await checkLogrotateConfig(host, candidate, `${layout.stateDir}/logrotate.check-state`);
  await host.fs.remove(candidate);
  if (problem) {
    Object.assign(refused, { content, problem });
    return { path, written: false, problem };
  }
  await install(host, path, content);
  return { path, written: true };
}

async function install(host: Host, path: string, content: string): Promise<void> {
  await host.fs.mkdirp(dirname(path), 0o755);
  // logrotate ignores a rule file others may write.
  await host.fs.writeFileAtomic(path, content, 0o644);
}
