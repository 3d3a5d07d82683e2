// The pty provider behind a small interface: @lydell/node-pty (prebuilt, no node-gyp). The child is
// a session leader with the pty as its controlling terminal, so its session id names every process
// that reaping must reach.
import { spawn } from '@lydell/node-pty';
import { TendError } from '../errors/catalogue.js';

export interface PtySpawnOptions {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
  uid?: number;
  gid?: number;
}

export interface PtyProcess {
  readonly pid: number;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  onData(fn: (chunk: Buffer) => void): void;
  onExit(fn: (exit: { exitCode: number; signal?: number }) => void): void;
  /** Flow control: stop reading the pty while the client is slow, so output cannot pile up in memory. */
  pause(): void;
  resume(): void;
}

export type PtyProvider = (opts: PtySpawnOptions) => PtyProcess;

export const MIN_COLS = 2;
export const MAX_COLS = 1000;
export const MIN_ROWS = 1;
export const MAX_ROWS = 500;

/** Window sizes come from the browser: clamp them so a hostile client cannot ask for absurd buffers. */
export function clampSize(cols: unknown, rows: unknown): { cols: number; rows: number } {
  const pick = (v: unknown, min: number, max: number, fallback: number) =>
    typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, Math.floor(v))) : fallback;
  return { cols: pick(cols, MIN_COLS, MAX_COLS, 80), rows: pick(rows, MIN_ROWS, MAX_ROWS, 24) };
}

export const nodePtyProvider: PtyProvider = (opts) => {
  let pty: ReturnType<typeof spawn>;
  try {
    pty = spawn(opts.file, opts.args, {
      name: 'xterm-256color',
      cols: opts.cols,
      rows: opts.rows,
      cwd: opts.cwd,
      env: opts.env,
      // Raw bytes out: xterm.js decodes UTF-8 itself, so a character split across reads stays whole.
      encoding: null,
      ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid } : {}),
    });
  } catch (err) {
    throw new TendError('TEND_ERR_SPAWN', `could not start ${opts.file} on a pty: ${(err as Error).message}`);
  }
  return {
    pid: pty.pid,
    write: (data) => pty.write(data),
    resize: (cols, rows) => {
      try {
        pty.resize(cols, rows);
      } catch {
        /* the pty is already closed; the exit handler ends the session */
      }
    },
    onData: (fn) =>
      pty.onData((chunk) => fn(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))),
    onExit: (fn) => pty.onExit((e) => fn(e)),
    pause: () => pty.pause(),
    resume: () => pty.resume(),
  };
};
