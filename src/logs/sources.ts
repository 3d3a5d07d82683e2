// Where a resource's logs are, from the layout (one function per path): a Program's instance logs,
// a Job's run logs, a Site's access and error logs, a Pool's error log (its master's, filtered to
// the pool) and slow log. Pure: the caller reads the files.
import type { Layout } from '../layout/layout.js';
import type { Resource } from '../model/index.js';
import { slowlogPathOf } from '../render/php-pool.js';
import { logPath } from '../supervisor/run-file.js';
import { TendError } from '../errors/catalogue.js';

/** One file of log lines, and how its lines are marked. */
export interface LogSource {
  path: string;
  /** An instance index, a Job run id, or "-" where there are no instances. */
  instance: string;
  /** "output" (a process's stdout and stderr share one pipe), "access", "error", "slow". */
  stream: string;
  /** Keeps only the lines that belong to the resource (a php-fpm master's log serves every pool). */
  match?: string;
}

export interface SourceOptions {
  /** Only this instance (a Program's index, a Job's run id). */
  instance?: string;
  /** A Pool's slow log instead of its error log. */
  slow?: boolean;
  /** A Job's run ids, newest last (the caller lists the run dir). */
  jobRuns?: readonly string[];
  /** The Job run log path for an id (see jobs/history.ts). */
  jobLog?: (id: string) => string;
}

export const programLog = (layout: Layout, program: string, index: number) =>
  logPath(layout.programs.logDir, program, index);
export const siteLog = (layout: Layout, site: string, stream: 'access' | 'error') =>
  layout.nginx.siteLog(site, stream);
export const poolErrorLog = (layout: Layout, version: string) => layout.php.errorLog(version);

export function logSources(resource: Resource, layout: Layout, opts: SourceOptions = {}): LogSource[] {
  const name = resource.metadata.name;
  switch (resource.kind) {
    case 'Program': {
      if (resource.spec.backend !== 'native')
        throw new TendError(
          'TEND_ERR_USAGE',
          `Program/${name} runs under supervisord: its logs are in ${layout.supervisord.logDir}`,
        );
      const all = [...Array(resource.spec.instances).keys()].map(String);
      const chosen = opts.instance === undefined ? all : all.filter((i) => i === opts.instance);
      if (chosen.length === 0)
        throw new TendError(
          'TEND_ERR_USAGE',
          `--instance: expected 0 to ${all.length - 1} (Program/${name} has ${all.length}); got ${opts.instance}`,
        );
      return chosen.map((i) => ({
        path: programLog(layout, name, Number(i)),
        instance: i,
        stream: 'output',
      }));
    }
    case 'Job': {
      const runs = opts.jobRuns ?? [];
      const chosen = opts.instance !== undefined ? runs.filter((r) => r === opts.instance) : runs.slice(-1);
      if (opts.instance !== undefined && chosen.length === 0)
        throw new TendError('TEND_ERR_NOT_FOUND', `no run ${opts.instance} of Job/${name}`);
      return chosen.map((id) => ({ path: opts.jobLog?.(id) ?? '', instance: id, stream: 'output' }));
    }
    case 'Site':
      return [
        { path: siteLog(layout, name, 'access'), instance: '-', stream: 'access' },
        { path: siteLog(layout, name, 'error'), instance: '-', stream: 'error' },
      ];
    case 'Pool': {
      if (opts.slow) {
        const slow = slowlogPathOf(resource, layout);
        if (!slow)
          throw new TendError(
            'TEND_ERR_USAGE',
            `Pool/${name} has no slow log: set spec.slowlog to write one`,
          );
        return [{ path: slow, instance: '-', stream: 'slow' }];
      }
      return [
        {
          path: poolErrorLog(layout, resource.spec.php),
          instance: '-',
          stream: 'error',
          match: `[pool ${name}]`,
        },
      ];
    }
    default:
      throw new TendError(
        'TEND_ERR_USAGE',
        `${resource.kind}/${name} has no log files; its session audit is its events (tend status ${resource.kind}/${name})`,
      );
  }
}
