// The fault suite's witness: a client that fetches every site in a loop while a fault is injected,
// so a test can assert the outage it saw, when it ended, and that nothing was served wrong.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { httpGet } from './e2e.js';

export interface CheckedSite {
  /** The Host header to send. */
  host: string;
  /** A substring a correct answer contains (the site's own marker). */
  marker: string;
}

export interface Failure {
  at: number;
  host: string;
  /** The status code, or the client error. */
  what: string;
}

export interface Checker {
  /** Requests sent so far. */
  readonly requests: number;
  readonly failures: readonly Failure[];
  /** The slowest answer so far (a failure counts with the time it took to fail). */
  readonly slowest: { ms: number; host: string; at: number } | undefined;
  /** Failures at or after `since` (ms since the epoch). */
  failuresSince(since: number): Failure[];
  /** Resolves once `rounds` consecutive rounds over every site all succeeded; the time it did. */
  healthy(timeoutMs?: number, rounds?: number): Promise<number>;
  /** Stops the loop and waits for the requests in flight. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Fetches every site once per round, `intervalMs` apart, through the embedded nginx on `port`.
 * A request fails when it errors, times out (after `timeoutMs`), or answers without the site's
 * marker (a 502, or another vhost's page).
 */
export function startChecker(
  port: number,
  sites: CheckedSite[],
  intervalMs = 50,
  timeoutMs = 3_000,
): Checker {
  const failures: Failure[] = [];
  let slowest: Checker['slowest'];
  let requests = 0;
  let running = true;
  let cleanRounds = 0;
  const round = async () => {
    let clean = true;
    await Promise.all(
      sites.map(async ({ host, marker }) => {
        requests++;
        const sent = Date.now();
        const took = () => {
          const ms = Date.now() - sent;
          if (!slowest || ms > slowest.ms) slowest = { ms, host, at: sent };
        };
        try {
          const r = await httpGet(port, host, '/', timeoutMs).finally(took);
          if (r.status === 200 && r.body.includes(marker)) return;
          clean = false;
          failures.push({ at: Date.now(), host, what: `${r.status} ${r.body.slice(0, 80).trim()}` });
        } catch (err) {
          clean = false;
          failures.push({ at: Date.now(), host, what: (err as Error).message });
        }
      }),
    );
    cleanRounds = clean ? cleanRounds + 1 : 0;
  };
  const loop = (async () => {
    while (running) {
      await round();
      await sleep(intervalMs);
    }
  })();
  return {
    get requests() {
      return requests;
    },
    failures,
    get slowest() {
      return slowest;
    },
    failuresSince: (since) => failures.filter((f) => f.at >= since),
    async healthy(timeoutMs = 60_000, rounds = 3) {
      const deadline = Date.now() + timeoutMs;
      cleanRounds = 0;
      while (cleanRounds < rounds) {
        if (Date.now() > deadline) {
          const last = failures.slice(-3).map((f) => `${f.host}: ${f.what}`);
          throw new Error(`sites did not all answer for ${rounds} rounds: ${last.join('; ')}`);
        }
        await sleep(25);
      }
      return Date.now();
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Every file under `dir` whose first line says tend manages it for a resource (`Kind/name`). */
export function managedFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(path);
      else if (st.isFile() && st.size < 1_000_000) {
        const head = readFileSync(path, 'utf8').slice(0, 200);
        if (/^[#;] managed by tend: [A-Za-z]+\/[a-z0-9-]+ /.test(head)) out.push(path);
      }
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Managed files on disk that no inventory entry lists: what a later delete could never remove.
 * `root` is tend's embedded root; the inventory lives in `<root>/state/inventory.json`.
 */
export function untrackedFiles(root: string): string[] {
  const inv = JSON.parse(readFileSync(join(root, 'state/inventory.json'), 'utf8')) as {
    resources: Record<string, { files: string[] }>;
  };
  const tracked = new Set(Object.values(inv.resources).flatMap((e) => e.files));
  return managedFiles(root).filter((f) => !tracked.has(f));
}
