// One built-in web terminal: an HTTP server on a loopback address serving the page, one-time login
// links and a token- or cookie-gated WebSocket under /t/<name>/, a pty per session, and a ticker that
// ends idle, overlong and expired sessions.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { asTendError } from '../errors/catalogue.js';
import { hostCgroups, type Cgroups } from '../host/cgroup.js';
import type { Host } from '../host/index.js';
import type { TerminalSpec } from '../model/terminal.js';
import { authenticate, checkUpgrade, PendingSockets, refuseUpgrade, type Authenticated } from './gate.js';
import { checkSpawnable, resolveIdentity, spawnShell } from './identity.js';
import { endReason, isExpired, limitsOf, tickMs } from './limits.js';
import { LoginSessions, LoginTickets, terminalBasePath } from './login.js';
import { handleRequest, hasLogin, listenExclusive, type LoginRoute } from './http-routes.js';
import { SessionCgroups } from './session-cgroup.js';
import { loadAssets, type PageAssets } from './page.js';
import { CLOSE, readyMessage } from './protocol.js';
import { clampSize, nodePtyProvider, type PtyProvider } from './pty.js';
import {
  TerminalSession,
  type EndReason,
  type SessionEvent,
  type TerminalLogger,
  type TerminalStatus,
} from './session.js';

export type { SessionEvent, TerminalLogger, TerminalStatus };
import { WebSocketConnection } from './websocket.js';

export interface TerminalServerOptions {
  spec: TerminalSpec;
  name: string;
  port: number;
  token: string;
  host: Host;
  now?: () => number;
  logger?: TerminalLogger;
  pty?: PtyProvider;
  /** Where sessions get their cgroups (default: this host's, detected once); unavailable → sweep only. */
  cgroups?: Cgroups;
}

/** The shell changes that make running sessions stale: they end rather than keep the old identity. */
const IDENTITY_KEYS = ['user', 'allowRoot', 'shell', 'directory'] as const;

export class TerminalServer extends EventEmitter {
  private spec: TerminalSpec;
  private readonly opts: TerminalServerOptions;
  private readonly now: () => number;
  private http: Server | undefined;
  private assets: PageAssets | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private readonly sessions = new Map<string, TerminalSession>();
  private readonly pending = new PendingSockets();
  private spawning = 0;
  private readonly tickets: LoginTickets;
  private readonly logins: LoginSessions;
  /** Every open WebSocket, authenticated or not, so stop() can close the ones without a session too. */
  private readonly conns = new Set<WebSocketConnection>();
  private expired = false;
  private readonly cgroups: SessionCgroups;

  constructor(opts: TerminalServerOptions) {
    super();
    this.opts = opts;
    this.spec = opts.spec;
    this.now = opts.now ?? (() => opts.host.now());
    this.tickets = new LoginTickets(() => this.opts.token, opts.name, this.now);
    this.logins = new LoginSessions(this.now);
    this.cgroups = new SessionCgroups(() => opts.cgroups ?? hostCgroups(), opts.name, opts.logger);
  }

  /** The page: the Terminal's own path, so its login cookie is sent nowhere else on this host. */
  get url(): string {
    const host = this.spec.bind === '::1' ? '[::1]' : this.spec.bind;
    return `http://${host}:${this.port}${this.base}`;
  }

  private get base(): string {
    return terminalBasePath(this.opts.name);
  }

  /** The listening port: opts.port, or the one the kernel picked when opts.port is 0 (tests). */
  get port(): number {
    const address = this.http?.address();
    return typeof address === 'object' && address !== null ? address.port : this.opts.port;
  }

  /** Resolves the shell's user first, so a bad spec fails here rather than at the first connection. */
  async start(): Promise<{ url: string }> {
    if (this.http) return { url: this.url };
    const identity = await resolveIdentity(this.opts.host, this.spec, this.opts.name);
    await checkSpawnable(this.opts.host, this.spec, identity, this.opts.name);
    this.assets ??= await loadAssets(this.opts.host, this.opts.name);
    await this.cgroups.reapAbandoned();
    const assets = this.assets;
    const http = createServer((req, res) => handleRequest(this.routes, assets, req, res));
    http.on(
      'upgrade',
      (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.onUpgrade(req, socket, head),
    );
    await listenExclusive(http, this.opts.name, this.spec.bind, this.opts.port);
    this.http = http;
    this.startTicker();
    this.tick();
    this.opts.logger?.info({ terminal: this.opts.name, url: this.url }, 'terminal listening');
    return { url: this.url };
  }

  /** Stops listening and ends every session, reaping each one's whole process tree. */
  async stop(): Promise<void> {
    clearInterval(this.ticker);
    this.ticker = undefined;
    const http = this.http;
    this.http = undefined;
    await Promise.all([...this.sessions.values()].map((s) => s.end('stopped')));
    // Upgraded sockets are no longer the HTTP server's to close, and close() would wait for them.
    for (const conn of this.conns) conn.shutdown(CLOSE.stopped.code, CLOSE.stopped.reason);
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  }

  status(): TerminalStatus {
    return {
      url: this.http ? this.url : undefined,
      sessions: [...this.sessions.values()].map((s) => s.info()),
      expired: this.expired,
    };
  }

  /** Mode and limits apply to running sessions at once; a new identity ends them; a new bind relistens. */
  async update(spec: TerminalSpec): Promise<void> {
    const old = this.spec;
    this.spec = spec;
    if (old.bind !== spec.bind && this.http) {
      await this.stop();
      await this.start();
      return;
    }
    if (IDENTITY_KEYS.some((k) => old[k] !== spec[k]))
      await Promise.all([...this.sessions.values()].map((s) => s.end('stopped')));
    for (const s of this.sessions.values()) s.mode = spec.mode;
    if (old.expiresAt !== spec.expiresAt) this.expired = false;
    if (this.http) this.startTicker();
    this.tick();
  }

  private startTicker(): void {
    clearInterval(this.ticker);
    this.ticker = setInterval(() => this.tick(), tickMs(limitsOf(this.spec)));
    this.ticker.unref();
  }

  private tick(): void {
    const now = this.now();
    const limits = limitsOf(this.spec);
    if (!this.expired && isExpired(limits, now)) {
      this.expired = true;
      this.emit('session', {
        type: 'expired',
        message: `expired at ${this.spec.expiresAt}`,
      } satisfies SessionEvent);
    }
    for (const s of this.sessions.values()) {
      const reason = endReason(limits, s, now);
      if (reason) void s.end(reason);
    }
  }

  private get routes(): LoginRoute {
    return {
      name: this.opts.name,
      base: this.base,
      tickets: this.tickets,
      logins: this.logins,
      ...(this.opts.logger ? { logger: this.opts.logger } : {}),
      refused: (message, r) => this.reject('unauthorized', message, r),
    };
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const refusal = checkUpgrade(req, `${this.base}ws`);
    if (refusal) {
      this.opts.logger?.warn({ terminal: this.opts.name, status: refusal.status }, refusal.text);
      return refuseUpgrade(socket, refusal.status, refusal.text);
    }
    const cookieValid = hasLogin(this.logins, req);
    const conn = WebSocketConnection.accept(req, socket, head);
    if (!conn) return;
    this.conns.add(conn);
    conn.on('close', () => this.conns.delete(conn));
    this.pending.add(req.socket.remoteAddress ?? '', conn);
    const authed = await authenticate(conn, this.opts.token, cookieValid).finally(() =>
      this.pending.remove(conn),
    );
    if (!authed) return this.reject('unauthorized', 'a connection was refused: no token or a wrong one', req);
    if (!this.http) return authed.conn.close(CLOSE.stopped.code, CLOSE.stopped.reason);
    if (this.expired) {
      authed.conn.close(CLOSE.expired.code, CLOSE.expired.reason);
      return this.reject('expired', 'a connection was refused: the terminal has expired', req);
    }
    // Counted before the async spawn, so two simultaneous connections cannot both take the last slot.
    if (this.sessions.size + this.spawning >= this.spec.maxSessions) {
      const reason = `${CLOSE.tooManySessions.reason} (max ${this.spec.maxSessions})`;
      authed.conn.close(CLOSE.tooManySessions.code, reason);
      return this.reject('too-many-sessions', `a connection was refused: ${reason}`, req);
    }
    this.spawning++;
    try {
      await this.openSession(authed);
    } catch (err) {
      const e = asTendError(err);
      authed.conn.close(CLOSE.serverError.code, `${CLOSE.serverError.reason}: ${e.code}`);
      this.reject('spawn-failed', e.message, req);
    } finally {
      this.spawning--;
    }
  }

  private async openSession(authed: Authenticated): Promise<void> {
    const spec = this.spec;
    const size = clampSize(authed.auth.cols, authed.auth.rows);
    const id = randomBytes(8).toString('hex');
    const cgroup = this.cgroups.create(id);
    const provider = this.opts.pty ?? nodePtyProvider;
    let spawned: Awaited<ReturnType<typeof spawnShell>>;
    try {
      spawned = await spawnShell(
        this.opts.host,
        spec,
        this.opts.name,
        size,
        // Born inside the cgroup: nothing the shell forks can get out of it (see host/cgroup.ts).
        cgroup ? (o) => cgroup.runInside(() => provider(o)) : provider,
        () => authed.conn.isOpen,
      );
    } catch (err) {
      cgroup?.remove();
      throw err;
    }
    if (!spawned) return void cgroup?.remove();
    const { pty, identity } = spawned;
    const session = new TerminalSession({
      id,
      ...(cgroup ? { cgroup } : {}),
      conn: authed.conn,
      pty,
      host: this.opts.host,
      now: this.now,
      mode: spec.mode,
      onEnded: (s, reason) => this.onEnded(s, reason),
    });
    this.sessions.set(session.id, session);
    authed.conn.send(readyMessage(session.id, spec.mode));
    authed.attach((data, isBinary) => session.receive(data, isBinary));
    const message = `session ${session.id} opened as ${identity.user} (pid ${pty.pid}, ${spec.mode})`;
    this.opts.logger?.info({ terminal: this.opts.name, session: session.id, pid: pty.pid }, message);
    this.emit('session', {
      type: 'opened',
      session: session.id,
      pid: pty.pid,
      message,
    } satisfies SessionEvent);
  }

  private onEnded(session: TerminalSession, reason: EndReason): void {
    this.sessions.delete(session.id);
    const message = `session ${session.id} closed (${reason}); its processes were ended`;
    this.opts.logger?.info({ terminal: this.opts.name, session: session.id, reason }, message);
    this.emit('session', { type: 'closed', session: session.id, reason, message } satisfies SessionEvent);
  }

  private reject(
    reason: Extract<SessionEvent, { type: 'rejected' }>['reason'],
    message: string,
    req: IncomingMessage,
  ) {
    this.opts.logger?.warn({ terminal: this.opts.name, remote: req.socket.remoteAddress, reason }, message);
    this.emit('session', { type: 'rejected', reason, message } satisfies SessionEvent);
  }
}
