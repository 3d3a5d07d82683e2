// Shared end-to-end helpers: a temp root readable by the web user, a free port, the real CLI as a
// process, desired-state YAML, HTTP with a Host header, and killing every master a test started.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './ports.js';
import { killMasters } from './procs.js';

export { childrenOf, killMasters, mastersFor, processesMentioning } from './procs.js';
export { freePort };

export const REPO = process.cwd();
export const BIN = resolve(REPO, process.env.TEND_BIN ?? 'bin/tend');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Newest mtime of the .ts files under dir, to tell whether dist/ is older than the source. */
function newestTs(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) newest = Math.max(newest, newestTs(path));
    else if (name.endsWith('.ts')) newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}

/** bin/tend runs dist/: compile when the source is newer (a type error elsewhere must not stop the emit). */
export function ensureBuilt(): void {
  const main = join(REPO, 'dist/src/cli/main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newestTs(join(REPO, 'src'))) return;
  spawnSync('npx', ['tsc', '-p', '.'], { cwd: REPO, stdio: 'ignore' });
  if (!existsSync(main)) throw new Error('the build did not produce dist/src/cli/main.js');
}

export interface E2eEnv {
  base: string;
  /** Desired-state directory. */
  ds: string;
  /** tend's embedded root. */
  root: string;
  /** Document roots live here. */
  www: string;
  port: number;
  write(file: string, text: string): void;
  remove(file: string): void;
  /** A document root with an index.php that prints `marker`. */
  phpRoot(name: string, marker: string): string;
  /** `tend reconcile …` on this env's desired state, root and port. */
  reconcile(...args: string[]): Promise<Run>;
  /** `tend reconcile …` as a child process the caller may kill. */
  spawnReconcile(...args: string[]): ChildProcess;
  /** `tend status … --root <root>`. */
  status(...args: string[]): Promise<Run>;
}

/**
 * A temp root per test; masters are killed and the directory removed in t.after, even on failure.
 * The base is 0755 so www-data (nginx workers, pool workers) can traverse to document roots.
 */
export async function e2eEnv(
  t: { after: (fn: () => Promise<void> | void) => void },
  prefix = 'tend-e2e-',
): Promise<E2eEnv> {
  const base = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(base, 0o755);
  const ds = join(base, 'ds');
  const root = join(base, 'root');
  const www = join(base, 'www');
  mkdirSync(ds);
  mkdirSync(www);
  const port = await freePort();
  t.after(async () => {
    const survivors = await killMasters(base);
    if (!process.env.TEND_KEEP_TMP) rmSync(base, { recursive: true, force: true });
    if (survivors.length > 0) throw new Error(`processes survived cleanup: ${survivors.join(', ')}`);
  });
  const common = ['-d', ds, '--root', root, '--http-port', String(port), ...webBaseArgs(base)];
  const run = (args: string[]) =>
    spawn(process.execPath, [BIN, ...args], {
      cwd: base,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: 'pipe',
    });
  const spawnReconcile = (...args: string[]) => run(['reconcile', ...args, ...common]);
  return {
    base,
    ds,
    root,
    www,
    port,
    write: (file, text) => writeFileSync(join(ds, file), text),
    remove: (file) => rmSync(join(ds, file), { force: true }),
    phpRoot(name, marker) {
      const dir = join(www, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'index.php'), `<?php echo "${marker} " . (6 * 7) . "\\n";\n`);
      return dir;
    },
    reconcile: (...args) => collect(spawnReconcile(...args)),
    spawnReconcile,
    status: (...args) => collect(run(['status', ...args, '--root', root])),
  };
}

/**
 * --web-base flags for a test's temp dir: document roots live under it (base/www), and plan-only
 * tests name paths under the defaults /var/www and /srv, which an explicit flag would otherwise drop.
 */
export const webBaseArgs = (base: string) => [
  '--web-base',
  base,
  '--web-base',
  '/var/www',
  '--web-base',
  '/srv',
];

export function collect(child: ChildProcess, timeoutMs = 300_000): Promise<Run> {
  return new Promise((done) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

export const poolYaml = (name: string, extra = '') => `apiVersion: tend/v1
kind: Pool
metadata: { name: ${name} }
spec:
  php: "8.2"
${extra}`;

export const phpSiteYaml = (name: string, root: string, extra = '') => `apiVersion: tend/v1
kind: Site
metadata: { name: ${name} }
spec:
  domains: [${name}.e2e.test]
  preset: php
  root: ${root}
  php: { pool: ${name} }
${extra}`;

/** One file of two documents: an ondemand Pool and the PHP Site that uses it (benches, crash tests). */
export function phpPairYaml(o: {
  pool: string;
  site: string;
  domain: string;
  root: string;
  maxChildren: number;
  /** Extra spec lines, indented two spaces. */
  poolSpec?: string;
  siteSpec?: string;
}): string {
  return `${poolYaml(o.pool, `  pm: { type: ondemand, maxChildren: ${o.maxChildren} }\n${o.poolSpec ?? ''}`)}---
apiVersion: tend/v1
kind: Site
metadata: { name: ${o.site} }
spec:
  domains: [${o.domain}]
  preset: php
  root: ${o.root}
  php: { pool: ${o.pool} }
${o.siteSpec ?? ''}`;
}

export const staticSiteYaml = (name: string, root: string, extra = '') => `apiVersion: tend/v1
kind: Site
metadata: { name: ${name} }
spec:
  domains: [${name}.e2e.test]
  preset: static
  root: ${root}
${extra}`;

export interface HttpResult {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export function httpGet(port: number, host: string, path = '/', timeoutMs = 5_000): Promise<HttpResult> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: host }, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${host}${path}: timed out`)));
    req.on('error', fail);
    req.end();
  });
}
