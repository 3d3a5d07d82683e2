// Debian's packaged /etc/nginx copied into a temp root for the system profile, as a stock host has
// it: its load_module lines, its default site (moved to a test port) and every absolute path moved
// under the root. Also a base dir that kills every master under it at the end.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, collect, ensureBuilt, killMasters, webBaseArgs, type Run } from '../helpers/e2e.js';

export /** Debian's /etc/nginx under `root`, absolute paths moved there, the default site on `port`. */
function relocateStockNginx(root: string, port: number): string {
  const etc = join(root, 'etc/nginx');
  mkdirSync(join(root, 'etc'), { recursive: true });
  assert.equal(spawnSync('cp', ['-a', '/etc/nginx', etc]).status, 0);
  for (const dir of ['run', 'var/log/nginx']) mkdirSync(join(root, dir), { recursive: true });
  const relocate = (text: string) =>
    text
      .replaceAll('/etc/nginx/', `${etc}/`)
      .replaceAll('/run/nginx.pid', `${root}/run/nginx.pid`)
      .replaceAll('/var/log/nginx/', `${root}/var/log/nginx/`);
  writeFileSync(join(etc, 'nginx.conf'), relocate(readFileSync(join(etc, 'nginx.conf'), 'utf8')));
  const site = join(etc, 'sites-available/default');
  writeFileSync(site, readFileSync(site, 'utf8').replace(/listen (\[::\]:)?80 /g, `listen $1${port} `));
  const link = join(etc, 'sites-enabled/default');
  unlinkSync(link);
  symlinkSync(site, link);
  return etc;
}

export interface StockEnv {
  base: string;
  root: string;
  ds: string;
  etc: string;
  port: number;
  /** `tend <command> --profile system` on this root (reconcile gets -d, --http-port, web bases). */
  tend(command: 'reconcile' | 'status', ...args: string[]): Promise<Run>;
}

export function stockEnv(t: { after: (fn: () => Promise<void>) => void }, port: number): StockEnv {
  ensureBuilt();
  const base = mkdtempSync(join(tmpdir(), 'tend-e2e-stock-'));
  chmodSync(base, 0o755);
  t.after(async () => {
    const survivors = await killMasters(base);
    if (!process.env.TEND_KEEP_TMP) rmSync(base, { recursive: true, force: true });
    assert.deepEqual(survivors, []);
  });
  const root = join(base, 'root');
  const ds = join(base, 'ds');
  mkdirSync(ds);
  const etc = relocateStockNginx(root, port);
  const tend = (command: 'reconcile' | 'status', ...args: string[]) => {
    const extra =
      command === 'reconcile' ? ['-d', ds, '--http-port', String(port), ...webBaseArgs(base)] : [];
    return collect(
      spawn(process.execPath, [BIN, command, ...args, '--profile', 'system', '--root', root, ...extra], {
        cwd: base,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: 'pipe',
      }),
    );
  };
  return { base, root, ds, etc, port, tend };
}
