// Shared set-up for the terminal integration tests: a real server on an ephemeral loopback port, a
// counting pty provider, authenticated sessions, and process checks through /proc.
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { createRealHost } from '../../../src/host/index.js';
import {
  terminalResource,
  terminalSpec,
  type Terminal,
  type TerminalSpec,
} from '../../../src/model/terminal.js';
import { nodePtyProvider, type PtyProvider } from '../../../src/terminal/pty.js';
import {
  TerminalServer,
  type SessionEvent,
  type TerminalServerOptions,
} from '../../../src/terminal/server.js';
import { generateTerminalToken } from '../../../src/terminal/token.js';
import { connect, waitFor, type TestSocket } from './ws-client.js';

export const isRoot = process.getuid?.() === 0;
/** Root runs shells as nobody (proving the switch); anyone else runs them as themselves. */
export const shellUser = isRoot ? 'nobody' : (process.env.USER ?? 'nobody');

export function spec(overrides: Partial<TerminalSpec> = {}): TerminalSpec {
  return { ...terminalSpec.parse({ user: shellUser, directory: '/tmp', mode: 'read-write' }), ...overrides };
}

/** A Terminal resource `name` for the shell user in /tmp; `extra` adds or replaces spec fields. */
export function terminal(name: string, extra: Record<string, unknown> = {}): Terminal {
  return terminalResource.parse({
    apiVersion: 'tend/v1',
    kind: 'Terminal',
    metadata: { name },
    spec: { user: shellUser, allowRoot: shellUser === 'root', directory: '/tmp', ...extra },
  });
}

export interface Harness {
  server: TerminalServer;
  token: string;
  url: string;
  spawned: number[];
  events: SessionEvent[];
  /** An authenticated session: with the token, or with `cookie` (a Cookie header) and no token. */
  open(opts?: { cols?: number; rows?: number; cookie?: string }): Promise<TestSocket>;
}

export interface StartOptions extends Partial<TerminalServerOptions> {
  name?: string;
  token?: string;
  /** The server's clock (login links and cookies expire by it). */
  now?: () => number;
}

export async function startServer(
  t: TestContext,
  s: TerminalSpec = spec(),
  opts: StartOptions = {},
): Promise<Harness> {
  const host = createRealHost();
  const token = opts.token ?? generateTerminalToken();
  const spawned: number[] = [];
  const pty: PtyProvider = (opts) => {
    const p = nodePtyProvider(opts);
    spawned.push(p.pid);
    return p;
  };
  const server = new TerminalServer({
    spec: s,
    port: 0,
    host,
    pty,
    ...opts,
    name: opts.name ?? 'test',
    token,
  });
  const events: SessionEvent[] = [];
  server.on('session', (e: SessionEvent) => events.push(e));
  const { url } = await server.start();
  t.after(() => server.stop());
  const open = async (size: { cols?: number; rows?: number; cookie?: string } = {}) => {
    const result = await connect(url, size.cookie ? { Cookie: size.cookie } : {});
    if (!result.ok) throw new Error(`upgrade refused: ${result.status} ${result.body}`);
    const dims = { cols: size.cols ?? 120, rows: size.rows ?? 40 };
    result.ws.sendJson(size.cookie ? dims : { auth: token, ...dims });
    let closed: { code: number; reason: string } | undefined;
    void result.ws.closed.then((c) => (closed = c));
    await waitFor(
      () => closed !== undefined || result.ws.controls.some((c) => c.type === 'ready'),
      10_000,
      'ready',
    );
    if (closed) throw new Error(`session refused: ${closed.code} ${closed.reason}`);
    return result.ws;
  };
  return { server, token, url, spawned, events, open };
}

/** Types a command line into the session. */
export function type(ws: TestSocket, line: string): void {
  ws.sendJson({ type: 'input', data: `${line}\r` });
}

/** Waits for `pattern` in the output and returns its first capture group (or the whole match). */
export async function expectOutput(ws: TestSocket, pattern: RegExp, ms = 10_000): Promise<string> {
  let found: RegExpExecArray | null = null;
  await waitFor(() => (found = pattern.exec(ws.output())) !== null, ms, `output matching ${pattern}`).catch(
    (err) => {
      throw new Error(`${(err as Error).message}; output so far:\n${ws.output()}`);
    },
  );
  const m = found as RegExpExecArray | null;
  return m?.[1] ?? m?.[0] ?? '';
}

/** Alive means present in /proc and not a zombie (a zombie has exited; only its reaping is pending). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export async function expectGone(pids: number[], ms = 10_000): Promise<void> {
  await waitFor(() => pids.every((p) => !alive(p)), ms, `processes ${pids.join(', ')} to be gone`);
}

/** Safety net: anything a failing test left behind is killed. */
export function killLeftovers(t: TestContext, pids: () => number[]): void {
  t.after(() => {
    for (const pid of pids())
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
  });
}
