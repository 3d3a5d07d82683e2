// The one /proc/<pid>/stat reader: fields after the last ")" (a command name may hold spaces and
// parentheses), all-or-nothing parsing, and no process for a missing or unreadable file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants as fsConstants, mkdtempSync, openSync, promises as fsp, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasExited, parseProcStat, readProcStat } from '../../../src/host/proc-stat.js';
import { processStartTime, realFs } from '../../../src/host/index.js';

// Fields 3.. of a stat line: state, ppid, pgrp, session, then up to field 22 (start time) and beyond.
const fields = (state: string, startTime: number) =>
  [
    state,
    '1',
    '4240',
    '4241',
    '34816',
    '4242',
    ...Array.from({ length: 13 }, () => '0'),
    String(startTime),
    '0',
  ].join(' ');

test('a command name with spaces and parentheses does not shift the fields', () => {
  assert.deepEqual(parseProcStat(4242, `4242 (a) b (c) ${fields('S', 987)}`), {
    pid: 4242,
    comm: 'a) b (c',
    state: 'S',
    ppid: 1,
    pgrp: 4240,
    session: 4241,
    startTime: 987,
  });
  assert.equal(parseProcStat(7, `7 (a) b (c)) ${fields('Z', 5)}`)?.comm, 'a) b (c)');
});

test('a line without every field is no process, never a half-read one', () => {
  assert.equal(parseProcStat(1, 'garbage'), undefined);
  assert.equal(parseProcStat(1, '1 (init) S 0 1 1 34816'), undefined, 'no start time (field 22)');
  assert.equal(parseProcStat(1, `1 (init) ${fields('S', 5).replace(' 4240 ', ' x ')}`), undefined);
});

test('readProcStat: a missing or unreadable file and a non-pid are undefined', async () => {
  const reads: string[] = [];
  const fs = {
    readFile: async (path: string) => {
      reads.push(path);
      if (path === '/proc/9/stat') return `9 (php-fpm: master) ${fields('S', 77)}`;
      if (path === '/proc/10/stat') throw new Error('EACCES');
      return undefined;
    },
  };
  assert.equal((await readProcStat(fs, 9))?.startTime, 77);
  assert.equal(await readProcStat(fs, 10), undefined);
  assert.equal(await readProcStat(fs, 11), undefined);
  assert.equal(await readProcStat(fs, 0), undefined);
  assert.equal(await readProcStat(fs, -1), undefined);
  assert.deepEqual(reads, ['/proc/9/stat', '/proc/10/stat', '/proc/11/stat']);
  assert.ok(hasExited('Z') && hasExited('X') && !hasExited('S') && !hasExited(undefined));
});

test('against the real /proc: this process, a live child, and a reaped child', async () => {
  const own = await readProcStat(realFs, process.pid);
  assert.equal(own?.pid, process.pid);
  assert.equal(own?.ppid, process.ppid);
  assert.equal(own?.startTime, await processStartTime(process.pid));
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    const st = await readProcStat(realFs, child.pid!);
    assert.equal(st?.ppid, process.pid);
    assert.equal(st?.comm, 'sleep');
    assert.ok(st && !hasExited(st.state));
  } finally {
    child.kill('SIGKILL');
  }
  await new Promise((r) => child.once('exit', r));
  assert.equal(await readProcStat(realFs, child.pid!), undefined, 'reaped: no such process');
});

test('a /proc stat read finishes while every thread-pool thread is stuck (it never queues there)', async () => {
  // Each open of a FIFO with no writer holds one pool thread until a writer comes.
  const dir = mkdtempSync(join(tmpdir(), 'tend-pool-'));
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const stuck = Array.from({ length: Number(process.env.UV_THREADPOOL_SIZE ?? 4) }, () =>
    fsp.open(fifo, 'r'),
  );
  try {
    const read = readProcStat(realFs, process.pid);
    const late = new Promise<'queued'>((r) => setTimeout(() => r('queued'), 2_000).unref());
    const first = await Promise.race([read, late]);
    assert.notEqual(first, 'queued', 'the read waited behind the stuck pool threads');
    assert.equal((first as Awaited<typeof read>)?.pid, process.pid);
  } finally {
    closeSync(openSync(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK));
    for (const handle of await Promise.all(stuck)) await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
