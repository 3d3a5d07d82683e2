// Memory as /proc reports it: the host's total, and a process's proportional set size (PSS: its
// private pages plus its share of pages it shares, so the sum over processes is what they really
// use; RSS would count opcache's shared memory once per worker). RSS is the fallback on kernels
// without smaps_rollup.
import type { Host } from '../../host/index.js';

/** MemTotal from /proc/meminfo, in bytes; undefined when unreadable. */
export async function hostMemoryBytes(host: Host): Promise<number | undefined> {
  const text = (await host.fs.readFile('/proc/meminfo')) ?? '';
  const kb = /^MemTotal:\s+(\d+) kB/m.exec(text)?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}

export interface ProcessMemory {
  pid: number;
  bytes: number;
  source: 'pss' | 'rss';
}

export async function processMemory(host: Host, pid: number): Promise<ProcessMemory | undefined> {
  const rollup = await host.fs.readFile(`/proc/${pid}/smaps_rollup`).catch(() => undefined);
  const pss = rollup && /^Pss:\s+(\d+) kB/m.exec(rollup)?.[1];
  if (pss) return { pid, bytes: Number(pss) * 1024, source: 'pss' };
  const status = await host.fs.readFile(`/proc/${pid}/status`).catch(() => undefined);
  const rss = status && /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return rss ? { pid, bytes: Number(rss) * 1024, source: 'rss' } : undefined;
}

/** A process and its direct children (nginx's master and workers), from /proc/<pid>/task/<pid>/children. */
export async function processTreeMemory(host: Host, pid: number): Promise<number> {
  const children = ((await host.fs.readFile(`/proc/${pid}/task/${pid}/children`).catch(() => '')) ?? '')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  let total = 0;
  for (const p of [pid, ...children]) total += (await processMemory(host, p))?.bytes ?? 0;
  return total;
}

/** The memory of the process whose pid a pid file names, with its children; 0 when it is not running. */
export async function pidFileTreeMemory(host: Host, pidFile: string): Promise<number> {
  const pid = Number.parseInt(((await host.fs.readFile(pidFile).catch(() => '')) ?? '').trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? processTreeMemory(host, pid) : 0;
}
