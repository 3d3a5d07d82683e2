// Shared by the serve-* e2e tests: a `tend serve` daemon on a temp root with a random API port,
// helpers to call its API and the CLI, polling waits, and cleanup of everything it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiRequest, type ApiResponse } from '../../src/cli/client.js';
import {
  BIN,
  collect,
  ensureBuilt,
  freePort,
  killMasters,
  processesMentioning,
  type Run,
  webBaseArgs,
} from '../helpers/e2e.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value; generous by design (no timing assertions). */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T> | T,
  timeoutMs = 60_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(100);
  }
}

export interface Daemon {
  proc: ChildProcess;
  log: () => string;
  /** Resolves with the exit code once the daemon exited. */
  exited: Promise<number | null>;
}

export interface ServeEnv {
  base: string;
  ds: string;
  root: string;
  www: string;
  /** The embedded nginx port. */
  port: number;
  write(file: string, text: string): void;
  remove(file: string): void;
  /** Any tend command on this env's desired state, root and port. */
  tend(...args: string[]): Promise<Run>;
  /** `tend status … --root <root>` (status takes no -d or --http-port). */
  status(...args: string[]): Promise<Run>;
  apiPort: number;
  daemon: Daemon;
  start(extra?: string[]): Promise<Daemon>;
  api(method: 'GET' | 'POST', path: string, body?: unknown, auth?: boolean): Promise<ApiResponse>;
  resource(key: string): Promise<Record<string, unknown> | undefined>;
  /** A fixture program under the base, so that cleanup finds it by its command line. */
  programScript: string;
}

const SERVER = `import { createServer } from 'node:http';
createServer((_q, r) => r.end('program ' + process.env.TEND_INSTANCE + '\\n')).listen(Number(process.env.PORT), '127.0.0.1');
`;

export async function serveEnv(
  t: { after: (fn: () => Promise<void> | void) => void },
  extra: string[] = [],
): Promise<ServeEnv> {
  ensureBuilt();
  const base = mkdtempSync(join(tmpdir(), 'tend-e2e-serve-'));
  chmodSync(base, 0o755);
  const ds = join(base, 'ds');
  const root = join(base, 'root');
  const www = join(base, 'www');
  mkdirSync(ds);
  mkdirSync(www);
  const port = await freePort();
  const apiPort = await freePort();
  const argv = (args: string[]) => [
    BIN,
    ...args,
    '-d',
    ds,
    '--root',
    root,
    '--http-port',
    String(port),
    ...webBaseArgs(base),
  ];
  const spawnTend = (...args: string[]) =>
    spawn(process.execPath, argv(args), { cwd: base, env: { ...process.env, NO_COLOR: '1' }, stdio: 'pipe' });
  const env = {
    base,
    ds,
    root,
    www,
    port,
    write: (file: string, text: string) => writeFileSync(join(ds, file), text),
    remove: (file: string) => rmSync(join(ds, file), { force: true }),
    tend: (...args: string[]) => collect(spawnTend(...args)),
    status: (...args: string[]) =>
      collect(
        spawn(process.execPath, [BIN, 'status', ...args, '--root', root], { cwd: base, stdio: 'pipe' }),
      ),
  };
  const programScript = join(env.base, 'server.mjs');
  writeFileSync(programScript, SERVER);
  const daemons: Daemon[] = [];
  t.after(async () => {
    // Under coverage (npm test sets NODE_V8_COVERAGE) a daemon drains first: V8 writes a process's
    // coverage only when it exits, never when it is SIGKILLed. A drain that hangs is killed anyway.
    if (process.env.NODE_V8_COVERAGE) await drainDaemons(daemons, 15_000);
    for (const d of daemons)
      if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGKILL');
    await Promise.all(daemons.map((d) => d.exited));
    // Programs do not die with a SIGKILLed daemon (they are adoptable): kill them by command line.
    for (const p of processesMentioning(programScript)) {
      try {
        process.kill(-p.pid, 'SIGKILL');
      } catch {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    const survivors = await killMasters(base);
    if (!process.env.TEND_KEEP_TMP) rmSync(base, { recursive: true, force: true });
    if (survivors.length > 0) throw new Error(`processes survived cleanup: ${survivors.join(', ')}`);
  });
  const tokenFile = () => join(env.root, 'state/api-token');
  const se: ServeEnv = {
    ...env,
    apiPort,
    programScript,
    daemon: undefined as unknown as Daemon,
    async start(more: string[] = []) {
      const proc = spawnTend(
        'serve',
        '--listen',
        `127.0.0.1:${apiPort}`,
        '--resync',
        '2s',
        '--log-level',
        'debug',
        ...extra,
        ...more,
      );
      let out = '';
      proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((r) => proc.on('exit', (code: number | null) => r(code)));
      const daemon = { proc, log: () => out, exited };
      daemons.push(daemon);
      se.daemon = daemon;
      await waitFor('the daemon to be ready', async () => {
        if (proc.exitCode !== null) throw new Error(`tend serve exited ${proc.exitCode}: ${out}`);
        // Started once the first pass finished: /readyz may then say 503 for a resource's outage.
        const r = await se.api('GET', '/readyz');
        return r.status === 200 || !/first reconcile pass/.test((r.body as { reason?: string }).reason ?? '');
      });
      return daemon;
    },
    api(method, path, body, auth = true) {
      const token = auth ? readFileSync(tokenFile(), 'utf8').trim() : undefined;
      return apiRequest(
        { url: `http://127.0.0.1:${apiPort}`, pid: 0, ...(token ? { token } : {}) },
        method,
        path,
        {
          ...(body !== undefined ? { body } : {}),
        },
      );
    },
    async resource(key) {
      const r = await se.api('GET', `/v1/resources/${key}`);
      return r.status === 200
        ? ((r.body as { status?: Record<string, unknown> }).status ?? undefined)
        : undefined;
    },
  };
  return se;
}

/** SIGTERM to every daemon still running; resolves when all exited or after `graceMs`. */
async function drainDaemons(daemons: Daemon[], graceMs: number): Promise<void> {
  const running = daemons.filter((d) => d.proc.exitCode === null && d.proc.signalCode === null);
  for (const d of running) d.proc.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise((r) => (timer = setTimeout(r, graceMs)));
  await Promise.race([Promise.all(running.map((d) => d.exited)), grace]);
  clearTimeout(timer);
}

export const programYaml = (name: string, script: string, extra = '') => `apiVersion: tend/v1
kind: Program
metadata: { name: ${name} }
spec:
  command: [${process.execPath}, ${script}]
  user: nobody
  port: auto
  startSeconds: 0
  stop: { timeout: 2s }
${extra}`;

export const proxySiteYaml = (name: string, program: string) => `apiVersion: tend/v1
kind: Site
metadata: { name: ${name} }
spec:
  domains: [${name}.e2e.test]
  preset: proxy
  proxy: { program: ${program} }
`;

/** True when the pid is alive (signal 0). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
