// Reading log files as framed lines: the last N lines (read from the end, never the whole file),
// an optional --since cut by the timestamps nginx, php-fpm and ISO lines carry, and a follower that
// polls for appended bytes and starts over when the file was rotated or truncated.
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { LogSource } from './sources.js';

export interface LogLine {
  instance: string;
  stream: string;
  line: string;
  /** ISO time, when the line carries one. */
  time?: string;
}

const CHUNK = 64 * 1024;
/** A tail never reads more than this from one file. */
const MAX_TAIL_BYTES = 8 * 1024 * 1024;
const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';

/** The time a log line carries: nginx access `[06/Dec/2026:05:30:00 +0000]`, nginx error and php-fpm, ISO. */
export function lineTime(line: string): number | undefined {
  let m = /\[(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-]\d{4})\]/.exec(line);
  if (m) {
    const month = MONTHS.indexOf(m[2]!) / 3 + 1;
    const tz = `${m[7]!.slice(0, 3)}:${m[7]!.slice(3)}`;
    return Date.parse(`${m[3]}-${String(month).padStart(2, '0')}-${m[1]}T${m[4]}:${m[5]}:${m[6]}${tz}`);
  }
  m = /^\[?(\d{2})-(\w{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2})/.exec(line);
  if (m) {
    const month = MONTHS.indexOf(m[2]!) / 3 + 1;
    return Date.parse(`${m[3]}-${String(month).padStart(2, '0')}-${m[1]}T${m[4]}:${m[5]}:${m[6]}Z`);
  }
  m = /^(\d{4})[/-](\d{2})[/-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?/.exec(line);
  if (m) return Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}${m[8] ?? 'Z'}`);
  return undefined;
}

function frame(src: LogSource, line: string): LogLine {
  const t = lineTime(line);
  return {
    instance: src.instance,
    stream: src.stream,
    line,
    ...(t !== undefined && !Number.isNaN(t) ? { time: new Date(t).toISOString() } : {}),
  };
}

/** The last `tail` lines of one source (matching lines only), oldest first; [] when it is missing. */
export function tailSource(src: LogSource, tail: number, sinceMs?: number): LogLine[] {
  let fd: number;
  try {
    fd = openSync(src.path, 'r');
  } catch {
    return [];
  }
  try {
    const st = fstatSync(fd);
    // A file untouched since --since has nothing newer, whatever its lines say.
    if (sinceMs !== undefined && st.mtimeMs < sinceMs) return [];
    let pos = st.size;
    let text = '';
    let lines: string[] = [];
    while (pos > 0 && st.size - pos < MAX_TAIL_BYTES) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, pos);
      text = buf.toString('utf8') + text;
      lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      const kept = src.match ? lines.filter((l) => l.includes(src.match!)) : lines;
      if (kept.length > tail + 1) break;
    }
    if (pos > 0) lines.shift(); // the first piece may be a cut line
    let out = (src.match ? lines.filter((l) => l.includes(src.match!)) : lines).map((l) => frame(src, l));
    if (sinceMs !== undefined) out = out.filter((l) => l.time === undefined || Date.parse(l.time) >= sinceMs);
    return out.slice(-tail);
  } finally {
    closeSync(fd);
  }
}

/** Lines of every source, merged by time where lines have one (else in source order), last `tail`. */
export function tailSources(srcs: readonly LogSource[], tail: number, sinceMs?: number): LogLine[] {
  const all = srcs.flatMap((s) => tailSource(s, tail, sinceMs));
  if (all.every((l) => l.time !== undefined))
    all.sort((a, b) => (a.time! < b.time! ? -1 : a.time! > b.time! ? 1 : 0));
  return all.slice(-tail);
}

/**
 * Calls `emit` with each line appended to any source from now on; returns a stop function. Polls
 * (a file watcher misses writes through a FIFO reader on some filesystems); a file that shrank or
 * was replaced (rotation) is read from its start.
 */
export function followSources(
  srcs: readonly LogSource[],
  emit: (line: LogLine) => void,
  pollMs = 500,
): () => void {
  const state = srcs.map((src) => {
    try {
      const st = statSync(src.path);
      return { src, ino: st.ino, pos: st.size, carry: '' };
    } catch {
      return { src, ino: -1, pos: 0, carry: '' };
    }
  });
  const tick = () => {
    for (const s of state) {
      let fd: number;
      try {
        fd = openSync(s.src.path, 'r');
      } catch {
        continue;
      }
      try {
        const st = fstatSync(fd);
        if (st.ino !== s.ino || st.size < s.pos) {
          s.ino = st.ino;
          s.pos = 0;
          s.carry = '';
        }
        while (s.pos < st.size) {
          const len = Math.min(CHUNK, st.size - s.pos);
          const buf = Buffer.alloc(len);
          const n = readSync(fd, buf, 0, len, s.pos);
          if (n <= 0) break;
          s.pos += n;
          const parts = (s.carry + buf.subarray(0, n).toString('utf8')).split('\n');
          s.carry = parts.pop() ?? '';
          for (const line of parts) if (!s.src.match || line.includes(s.src.match)) emit(frame(s.src, line));
        }
      } finally {
        closeSync(fd);
      }
    }
  };
  const timer = setInterval(tick, pollMs);
  return () => clearInterval(timer);
}

/** `Program/app[0] output | text`: the line-framed text form. */
export function formatLine(key: string, l: LogLine): string {
  const inst = l.instance === '-' ? '' : `[${l.instance}]`;
  return `${key}${inst} ${l.stream} | ${l.line}`;
}
