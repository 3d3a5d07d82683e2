// An instance's log file: whole lines only (a partial line waits for its end), lines longer than
// maxLineLength split and marked, size-based rotation (<file>.1 … <file>.<keep>) within the host's
// ceiling, and a reopen when someone else (logrotate) renamed the file under it (decision 0044).
import {
  closeSync,
  existsSync,
  fchmodSync,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';

/** Appended to every piece of a split line except the last, so readers can rejoin it. */
export const SPLIT_MARK = ' [tend: line continues]';

export interface LogWriterOptions {
  maxBytes: number;
  keep: number;
  maxLineLength: number;
}

/** Cuts at most `max` bytes without splitting a UTF-8 sequence (continuation bytes are 10xxxxxx). */
export function safeCut(buf: Buffer, max: number): number {
  if (buf.length <= max) return buf.length;
  let cut = max;
  while (cut > 0 && ((buf[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return cut === 0 ? max : cut;
}

/** Every writer of this process with a file open: what a reopen (SIGUSR2, the rotation round) visits. */
const openWriters = new Set<LogWriter>();

/**
 * Reopens every log this process writes whose path no longer names the file it has open (renamed
 * by logrotate, or removed): later lines go to a new file at the path. Returns the paths reopened.
 */
export function reopenMovedLogs(): string[] {
  const out: string[] = [];
  for (const w of [...openWriters]) if (w.reopenIfMoved()) out.push(w.path);
  return out;
}

export class LogWriter {
  private fd: number | undefined;
  private size = 0;
  private carry: Buffer = Buffer.alloc(0);
  private readonly mark = Buffer.from(SPLIT_MARK);

  constructor(
    readonly path: string,
    private readonly opts: LogWriterOptions,
  ) {}

  private open(): number {
    if (this.fd === undefined) {
      this.fd = openSync(this.path, 'a', 0o640);
      const st = fstatSync(this.fd);
      // A log left world-readable (by an older tend, or a hand-made file) is made private too.
      if ((st.mode & 0o007) !== 0) fchmodSync(this.fd, st.mode & 0o770);
      this.size = st.size;
      openWriters.add(this);
    }
    return this.fd;
  }

  /**
   * When the path names another file than the open one (or none), closes it: the next line creates
   * the file anew. Lines written before this went to the renamed file, so none is lost.
   */
  reopenIfMoved(): boolean {
    if (this.fd === undefined) return false;
    const had = fstatSync(this.fd);
    let now: { ino: number; dev: number } | undefined;
    try {
      now = lstatSync(this.path);
    } catch {
      now = undefined;
    }
    if (now && now.ino === had.ino && now.dev === had.dev) return false;
    this.close();
    return true;
  }

  private rotate(): void {
    this.close();
    if (this.opts.keep === 0) rmSync(this.path, { force: true });
    else {
      rmSync(`${this.path}.${this.opts.keep}`, { force: true });
      for (let i = this.opts.keep - 1; i >= 1; i--)
        if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      if (existsSync(this.path)) renameSync(this.path, `${this.path}.1`);
    }
  }

  private emit(line: Buffer, continued: boolean): void {
    const out = Buffer.concat(continued ? [line, this.mark, Buffer.from('\n')] : [line, Buffer.from('\n')]);
    const fd = this.open();
    if (this.size > 0 && this.size + out.length > this.opts.maxBytes) {
      this.rotate();
      return this.emit(line, continued);
    }
    writeSync(fd, out);
    this.size += out.length;
  }

  /** Takes a chunk of raw output; writes every complete line and carries the rest over. */
  write(chunk: Buffer): void {
    let data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    for (;;) {
      const nl = data.indexOf(0x0a);
      const lineEnd = nl === -1 ? data.length : nl;
      if (lineEnd > this.opts.maxLineLength) {
        const cut = safeCut(data, this.opts.maxLineLength);
        this.emit(data.subarray(0, cut), true);
        data = data.subarray(cut);
        continue;
      }
      if (nl === -1) break;
      this.emit(data.subarray(0, nl), false);
      data = data.subarray(nl + 1);
    }
    this.carry = Buffer.from(data);
  }

  /** Writes a carried partial line (the stream ended) and closes the file. */
  end(): void {
    if (this.carry.length > 0) this.emit(this.carry, false);
    this.carry = Buffer.alloc(0);
    this.close();
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    openWriters.delete(this);
  }
}

/** The last `lines` lines of a log file (reads at most the final 64 kB). */
export function tailLines(path: string, lines: number): string[] {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 65536);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf
      .toString('utf8')
      .split('\n')
      .filter((l) => l.length > 0)
      .slice(-lines);
  } finally {
    closeSync(fd);
  }
}
