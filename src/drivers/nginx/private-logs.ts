// nginx creates a missing log file with mode 0644 (compiled in), readable by every local user:
// tend creates each log the config names first, mode 0640, so nginx only ever opens tend's file.
import { dirname } from 'node:path';
import type { ServiceContext } from '../health/manager.js';
import { nginxAccessLog } from './main-config.js';

/** Makes every log the config names a private file before nginx opens it; `done` remembers them. */
export async function preparePrivateLogs(ctx: ServiceContext, done: Set<string>): Promise<void> {
  const { host, layout } = ctx;
  if (!host.fs.ensureLogFile) return;
  const n = layout.nginx;
  const wanted = layout.profile === 'embedded' ? [n.errorLog, nginxAccessLog(layout)] : [];
  for (const file of await host.fs.readdir(n.includeDir)) {
    if (!file.endsWith('.conf')) continue;
    const site = file.slice(0, -5);
    if (done.has(n.siteLog(site, 'error'))) continue;
    // System profile: sites-enabled also holds the distribution's sites; only tend's links count.
    if (n.siteLink(site) && (await host.fs.readlink(`${n.includeDir}/${file}`)) !== n.siteFile(site))
      continue;
    wanted.push(n.siteLog(site, 'access'), n.siteLog(site, 'error'));
  }
  for (const path of wanted) {
    if (done.has(path)) continue;
    // A driver lives for one pass, so this runs before every reload: a log that is already a
    // regular file with no bits beyond 0640 costs one lstat, not a mkdir, open, fstat and close
    // (2,000 vhost logs on a Site edit's path). Anything else goes through ensureLogFile as before.
    const st = await host.fs.lstat(path);
    if (!st?.isFile || (st.mode & 0o777 & ~0o640) !== 0) {
      await host.fs.mkdirp(dirname(path));
      await host.fs.ensureLogFile(path, 0o640);
    }
    done.add(path);
  }
}
