// Free TCP ports for a test's or bench's own nginx or API, held until handed over. Always below
// Linux's ephemeral range (32768–60999): a listen port inside it can be taken by a client socket's
// local port, and nginx then fails with "bind() … Address already in use" while the test polls it.
// Always above tend's own `port: auto` range: a daemon of a test running beside this one leases
// from it by a bind check alone, and its Program would bind a port this helper gave away.
//
// Checking that a port is free and binding it later races with every other test process picking
// ports at the same time. So a port is (1) reserved for the life of this process with a file that
// only one process can create, so no two concurrent test processes ever get the same port, and (2)
// held by a listening socket until the caller hands it over, right before its own server binds.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PORT_RANGE } from '../../src/state/port-leases.js';

const FROM = DEFAULT_PORT_RANGE.to + 1;
const TO = 32_000;
const RESERVATIONS = join(tmpdir(), 'tend-test-ports');

const mine = new Set<number>();
let cleanupArmed = false;

export interface HeldPort {
  port: number;
  /** The socket that holds the port; a test that needs a busy port can keep it as the blocker. */
  server: Server;
  /** Closes the holding socket so the caller's server can bind; the reservation stays. */
  handOver(): Promise<number>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates the reservation file exclusively; a file left by a dead process is taken over. */
function reserve(port: number): boolean {
  const file = join(RESERVATIONS, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(readFileSync(file, 'utf8'));
      } catch {
        /* removed meanwhile: try again */
      }
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) return false;
      rmSync(file, { force: true });
    }
  }
  return false;
}

function armCleanup(): void {
  if (cleanupArmed) return;
  cleanupArmed = true;
  process.once('exit', () => {
    for (const port of mine) rmSync(join(RESERVATIONS, String(port)), { force: true });
  });
}

function listen(port: number): Promise<Server | undefined> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(undefined));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => done(server));
  });
}

/** A port reserved for this process and bound by a holding socket until `handOver()`. */
export async function holdPort(): Promise<HeldPort> {
  mkdirSync(RESERVATIONS, { recursive: true, mode: 0o1777 });
  armCleanup();
  for (;;) {
    const port = FROM + Math.floor(Math.random() * (TO - FROM));
    if (mine.has(port) || !reserve(port)) continue;
    const server = await listen(port);
    if (!server) {
      // Something outside the tests has it: give the reservation back and pick another.
      rmSync(join(RESERVATIONS, String(port)), { force: true });
      continue;
    }
    mine.add(port);
    let handed: Promise<number> | undefined;
    const handOver = () =>
      (handed ??= new Promise<number>((done) => {
        server.close(() => done(port));
      }));
    return { port, server, handOver };
  }
}

/**
 * `size` consecutive ports, each reserved for this process and free when checked: a range for a
 * supervisor's `port: auto` leases. Any port of it that is taken gives the whole range back.
 */
export async function reserveRange(size: number): Promise<{ from: number; to: number }> {
  mkdirSync(RESERVATIONS, { recursive: true, mode: 0o1777 });
  armCleanup();
  for (;;) {
    const from = FROM + Math.floor(Math.random() * (TO - FROM - size));
    const taken: number[] = [];
    let ok = true;
    for (let port = from; port < from + size && ok; port++) {
      ok = !mine.has(port) && reserve(port);
      if (!ok) break;
      taken.push(port);
      const server = await listen(port);
      ok = server !== undefined;
      if (server) await new Promise((done) => server.close(done));
    }
    if (ok) {
      for (const port of taken) mine.add(port);
      return { from, to: from + size - 1 };
    }
    for (const port of taken) rmSync(join(RESERVATIONS, String(port)), { force: true });
  }
}

/**
 * A port nobody else holds, already handed over: for a server started right away. The reservation
 * keeps other test processes off it for the life of this one.
 */
export async function freePort(): Promise<number> {
  return (await holdPort()).handOver();
}
