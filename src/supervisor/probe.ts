// Health probes (tcp, http GET, exec) and the hysteresis around them: Unknown until the first
// verdict, healthy after successThreshold passes, unhealthy after failureThreshold failures. An exec
// probe runs exactly as its instance does: same user, groups, directory and environment.
import { connect } from 'node:net';
import { httpProbe } from '../host/http-probe.js';
import type { Host } from '../host/index.js';
import { runAs, type SwitchTo } from '../host/run-as.js';
import type { ProbeRuntime } from './runtime-spec.js';
import type { Health } from './types.js';

/** Whether a probe lets a running instance count as ready: readiness probes gate it, liveness ones do not. */
export function probeAllowsReady(probe: ProbeRuntime | undefined, health: Health): boolean {
  return probe === undefined || probe.mode === 'liveness' || health === 'healthy';
}

export interface ProbeResult {
  ok: boolean;
  message: string;
}

function tcpProbe(port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1' });
    const done = (r: ProbeResult) => {
      sock.destroy();
      resolve(r);
    };
    sock.setTimeout(timeoutMs, () =>
      done({ ok: false, message: `tcp 127.0.0.1:${port}: timed out after ${timeoutMs}ms` }),
    );
    sock.once('connect', () => done({ ok: true, message: `tcp 127.0.0.1:${port}: connected` }));
    sock.once('error', (err) => done({ ok: false, message: `tcp 127.0.0.1:${port}: ${err.message}` }));
  });
}

export interface ProbeEnv {
  cwd?: string;
  /** The instance's own environment (PORT, TEND_PROGRAM, TEND_INSTANCE among it), and nothing of tend's. */
  env?: Record<string, string>;
  /** The instance's user; undefined when the instance runs as tend itself. */
  who?: SwitchTo;
}

async function execProbe(
  host: Host,
  argv: string[],
  timeoutMs: number,
  where: ProbeEnv,
): Promise<ProbeResult> {
  const [file, ...args] = argv;
  if (!file) return { ok: false, message: 'exec probe has no command' };
  const cmd = runAs(where.who, where.cwd, file, args);
  const r = await host.exec(cmd.file, cmd.args, {
    timeoutMs,
    cwd: cmd.cwd,
    env: where.env ?? {},
    replaceEnv: true,
  });
  return { ok: r.exitCode === 0, message: `exec ${file}: exit ${r.exitCode}` };
}

export function runProbe(
  host: Host,
  p: ProbeRuntime,
  port: number | undefined,
  where: ProbeEnv = {},
): Promise<ProbeResult> {
  if (p.kind === 'exec') return execProbe(host, p.command, p.timeoutMs, where);
  const target = p.port ?? port;
  if (target === undefined)
    return Promise.resolve({
      ok: false,
      message: `${p.kind} probe: expected a port (probe port or Program port), got none`,
    });
  return p.kind === 'tcp'
    ? tcpProbe(target, p.timeoutMs)
    : httpProbe({
        address: '127.0.0.1',
        port: target,
        path: p.path,
        expectStatus: p.expectStatus,
        timeoutMs: p.timeoutMs,
      });
}

/** Runs one instance's probe on its interval; reports only transitions of the verdict. */
export class Prober {
  health: Health = 'unknown';
  lastMessage = '';
  private successes = 0;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly host: Host,
    private readonly spec: ProbeRuntime,
    private readonly port: number | undefined,
    private readonly where: ProbeEnv,
    private readonly onChange: (health: Health, message: string) => void,
  ) {}

  start(): void {
    this.timer = setTimeout(() => void this.tick(), this.spec.initialDelayMs);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const r = await runProbe(this.host, this.spec, this.port, this.where).catch(
      (err: unknown): ProbeResult => ({ ok: false, message: String(err) }),
    );
    if (this.stopped) return;
    this.lastMessage = r.message;
    if (r.ok) {
      this.failures = 0;
      this.successes++;
      if (this.health !== 'healthy' && this.successes >= this.spec.successThreshold)
        this.set('healthy', r.message);
    } else {
      this.successes = 0;
      this.failures++;
      if (this.health !== 'unhealthy' && this.failures >= this.spec.failureThreshold)
        this.set('unhealthy', r.message);
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.spec.intervalMs);
  }

  private set(h: Health, message: string): void {
    this.health = h;
    this.onChange(h, message);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
