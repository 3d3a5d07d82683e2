// One terminal session: a WebSocket wired to a pty. Input counts as activity (output never does),
// read-only sessions drop input, and however the session ends its whole process tree is reaped.
import type { Cgroup } from '../host/cgroup.js';
import type { Host } from '../host/index.js';
import { CLOSE, type CloseKind, parseClientMessage } from './protocol.js';
import { clampSize, type PtyProcess } from './pty.js';
import { killSessionTree } from './reap.js';
import type { WebSocketConnection } from './websocket.js';

export type TerminalMode = 'read-write' | 'read-only';
export type EndReason =
  'disconnect' | 'shell-exited' | 'idle' | 'max-duration' | 'expired' | 'stopped' | 'bad-message';

const CLOSE_FOR: Record<Exclude<EndReason, 'disconnect'>, CloseKind> = {
  'shell-exited': 'shellExited',
  idle: 'idle',
  'max-duration': 'maxDuration',
  expired: 'expired',
  stopped: 'stopped',
  'bad-message': 'badMessage',
};

/** Above this many queued bytes the pty is paused until the socket drains (a slow or stalled client). */
const HIGH_WATER_BYTES = 1024 * 1024;

export interface SessionInfo {
  id: string;
  pid: number;
  startedAt: number;
  lastInputAt: number;
  mode: TerminalMode;
}

/** pino-compatible: object first, message second. */
export interface TerminalLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface TerminalStatus {
  url: string | undefined;
  sessions: SessionInfo[];
  expired: boolean;
}

/** Emitted as 'session': what the manager turns into events. Never carries the token. */
export type SessionEvent =
  | { type: 'opened'; session: string; pid: number; message: string }
  | { type: 'closed'; session: string; reason: EndReason; message: string }
  | {
      type: 'rejected';
      reason: 'unauthorized' | 'too-many-sessions' | 'expired' | 'spawn-failed';
      message: string;
    }
  | { type: 'expired'; message: string };

export interface SessionDeps {
  id: string;
  conn: WebSocketConnection;
  pty: PtyProcess;
  host: Host;
  now: () => number;
  mode: TerminalMode;
  /** The cgroup the shell was born in, when the host has cgroups: reaping kills it whole. */
  cgroup?: Cgroup;
  onEnded: (session: TerminalSession, reason: EndReason) => void;
}

export class TerminalSession {
  readonly id: string;
  readonly pid: number;
  readonly startedAt: number;
  lastInputAt: number;
  mode: TerminalMode;
  private ending: Promise<void> | undefined;
  private paused = false;

  constructor(private readonly deps: SessionDeps) {
    this.id = deps.id;
    this.pid = deps.pty.pid;
    this.mode = deps.mode;
    this.startedAt = deps.now();
    this.lastInputAt = this.startedAt;
    const { conn, pty } = deps;
    pty.onData((chunk) => {
      conn.send(chunk);
      if (!this.paused && conn.bufferedAmount > HIGH_WATER_BYTES) {
        this.paused = true;
        pty.pause();
        conn.onDrain(() => {
          this.paused = false;
          pty.resume();
        });
      }
    });
    pty.onExit(() => void this.end('shell-exited'));
    conn.on('close', () => void this.end('disconnect'));
  }

  info(): SessionInfo {
    return {
      id: this.id,
      pid: this.pid,
      startedAt: this.startedAt,
      lastInputAt: this.lastInputAt,
      mode: this.mode,
    };
  }

  /** Every message after the auth message; the server routes them here (and queues them while spawning). */
  receive(data: Buffer, isBinary: boolean): void {
    if (this.ending) return;
    const msg = isBinary ? undefined : parseClientMessage(data.toString('utf8'));
    if (!msg) return void this.end('bad-message');
    if (msg.type === 'resize') {
      const size = clampSize(msg.cols, msg.rows);
      return this.deps.pty.resize(size.cols, size.rows);
    }
    // A keystroke proves someone is there even when read-only drops it; output never does.
    this.lastInputAt = this.deps.now();
    if (this.mode === 'read-write') this.deps.pty.write(msg.data);
  }

  /** Idempotent: closes the socket with the reason, then reaps every process of the session. */
  end(reason: EndReason): Promise<void> {
    if (this.ending) return this.ending;
    // Set before closing: closing emits 'close' synchronously, which calls end('disconnect') again.
    this.ending = killSessionTree(this.deps.host, this.pid, undefined, this.deps.cgroup)
      .catch(() => false)
      .then(() => this.deps.onEnded(this, reason));
    if (reason !== 'disconnect') {
      const close = CLOSE[CLOSE_FOR[reason]];
      this.deps.conn.close(close.code, close.reason);
    }
    return this.ending;
  }
}
