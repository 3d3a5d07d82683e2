// The log path of one instance slot: a FIFO in the run dir. Its writers are the child (stdout and
// stderr) and the supervisor; its readers are the supervisor and the child itself (fd 3), so when
// the supervisor dies the child never gets EPIPE/SIGPIPE, and a new supervisor reopens the FIFO and
// drains what was written meanwhile (see docs/decisions/0003-supervisor-logs-and-adoption.md).
import { closeSync, constants, openSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Host } from '../host/index.js';
import { TendError } from '../errors/catalogue.js';
import { LogWriter, type LogWriterOptions } from './log-writer.js';

export class LogPipe {
  private readonly socket: Socket;
  /** Our own write end: keeps the reader from seeing EOF between two incarnations of the slot. */
  private readonly keepWriter: number;
  readonly writer: LogWriter;
  private closed = false;

  private constructor(
    readonly fifo: string,
    logFile: string,
    opts: LogWriterOptions,
    readonly readFd: number,
  ) {
    this.writer = new LogWriter(logFile, opts);
    this.keepWriter = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    this.socket = new Socket({ fd: readFd, readable: true, writable: false });
    this.socket.on('data', (chunk: Buffer) => {
      try {
        this.writer.write(chunk);
      } catch {
        // A full disk must not kill the supervisor; the bytes are lost, the process keeps running.
      }
    });
    this.socket.on('error', () => undefined);
  }

  /** Creates every missing FIFO with one mkfifo call (a process per FIFO costs ~20 ms each). */
  static async prepare(host: Host, fifos: readonly string[]): Promise<void> {
    const missing: string[] = [];
    for (const f of fifos) if (!(await host.fs.lstat(f))) missing.push(f);
    if (missing.length === 0) return;
    const r = await host.exec('mkfifo', ['-m', '0600', '--', ...missing]);
    if (r.exitCode !== 0)
      throw new TendError(
        'TEND_ERR_SPAWN',
        `expected to create log FIFOs in ${missing[0]}'s dir, got: ${r.stderr.trim()}`,
      );
  }

  /** Opens (creating when missing) the slot's FIFO and starts copying it into the log file. */
  static async open(host: Host, fifo: string, logFile: string, opts: LogWriterOptions): Promise<LogPipe> {
    const st = await host.fs.lstat(fifo);
    // FileStat has no type bits: "not a file, directory or link" in our own run dir is our FIFO.
    const isFifo = st !== undefined && !st.isFile && !st.isDirectory && !st.isSymlink;
    if (!isFifo) {
      if (st) await host.fs.remove(fifo);
      const r = await host.exec('mkfifo', ['-m', '0600', '--', fifo]);
      if (r.exitCode !== 0)
        throw new TendError(
          'TEND_ERR_SPAWN',
          `expected to create the log FIFO ${fifo}, got: ${r.stderr.trim()}`,
        );
    }
    const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    return new LogPipe(fifo, logFile, opts, readFd);
  }

  /** A fresh write end for a child's stdout and stderr; the caller closes it once spawned. */
  openChildWriter(): number {
    return openSync(this.fifo, constants.O_WRONLY);
  }

  /**
   * Stops reading once every writer is gone (EOF, so the last lines are kept) or after `waitMs`,
   * flushes a carried partial line and closes every fd.
   */
  async close(waitMs = 1000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      closeSync(this.keepWriter);
    } catch {
      /* already closed */
    }
    if (!this.socket.readableEnded && !this.socket.destroyed)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.socket.once('end', () => {
          clearTimeout(timer);
          resolve();
        });
        this.socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    this.socket.destroy();
    try {
      this.writer.end();
    } catch {
      // The log dir may be gone (a removed root); the processes are stopped either way.
    }
  }

  /** For a supervisor that is going away without stopping its children: no drain, no flush. */
  detach(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    try {
      closeSync(this.keepWriter);
    } catch {
      /* already closed */
    }
    this.writer.close();
  }
}
