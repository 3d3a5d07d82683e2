// Checks the desired-state files on two cores: the main thread and one worker claim files from a
// shared counter, so neither waits for the other and the worker's start-up costs the main thread
// nothing. Parsing YAML and validating dominate a large load; results do not depend on who checked.
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { checkFile, type FileOutcome } from './check-file.js';

interface CheckJob {
  files: string[];
  texts: string[];
}

interface CheckWorkerData {
  /** Marks a worker started by startChecker, which runs this very module as its entry. */
  tendCheck: true;
  /** Int32Array index 0: the next unclaimed file index, shared by both threads. */
  counter: SharedArrayBuffer;
}

/** First `{ ready: true }` once imported, then the outcomes of every file the worker claimed. */
type CheckReply = { ready: true; done?: undefined } | { ready?: undefined; done: [number, FileOutcome][] };

/** 'auto': a worker for large trees on a machine with a second core; 'always' and 'never' for tests. */
export type Parallel = 'auto' | 'always' | 'never';

/**
 * Below this many files a worker's start-up (a new isolate that imports yaml and zod, ~50–100 ms of
 * the other core) is not repaid; the main thread alone checks a few hundred files in that time.
 */
export const PARALLEL_MIN_FILES = 200;

export interface Checker {
  /** Outcomes in the order of files; each file checked exactly once, by whichever thread claimed it. */
  run(files: string[], texts: string[]): Promise<FileOutcome[]>;
  /** Resolves true once a worker is ready to claim files, false when there is none (for tests). */
  ready: Promise<boolean>;
  /** How many files of the last run the worker checked. */
  byWorker: number;
  /** Stops the worker, if any; safe to call more than once. */
  close(): void;
}

function wanted(fileCount: number, mode: Parallel): boolean {
  if (mode !== 'auto') return mode === 'always';
  return fileCount >= PARALLEL_MIN_FILES && availableParallelism() >= 2;
}

/** Starts the worker early (before the files are read) so that its imports overlap the reading. */
export function startChecker(fileCount: number, mode: Parallel = 'auto'): Checker {
  const counter = new SharedArrayBuffer(4);
  let worker: Worker | undefined;
  let reply: Promise<[number, FileOutcome][]> = Promise.resolve([]);
  let ready = Promise.resolve(false);
  if (wanted(fileCount, mode)) {
    try {
      // The worker runs this very module (compiled; tend never runs from its .ts sources).
      const w = new Worker(new URL(import.meta.url), {
        workerData: { tendCheck: true, counter } satisfies CheckWorkerData,
      });
      let readyNow: (ok: boolean) => void = () => {};
      ready = new Promise((resolve) => (readyNow = resolve));
      // A worker that fails to start or dies only loses its help: the main thread checks the rest.
      const settled = new Promise<CheckReply | undefined>((resolve) => {
        w.on('message', (m: CheckReply) => {
          if (m.ready) readyNow(true);
          else resolve(m);
        });
        w.once('error', () => resolve(undefined));
        w.once('exit', () => resolve(undefined));
      });
      void settled.then(() => readyNow(false));
      reply = settled.then((m) => m?.done ?? []);
      w.unref();
      worker = w;
    } catch {
      worker = undefined;
    }
  }
  const close = () => {
    if (worker) void worker.terminate();
    worker = undefined;
  };

  const checker: Checker = {
    close,
    ready,
    byWorker: 0,
    async run(files, texts) {
      const results = new Array<FileOutcome | undefined>(files.length);
      const next = new Int32Array(counter);
      worker?.postMessage({ files, texts } satisfies CheckJob);
      let mine = 0;
      for (let i = Atomics.add(next, 0, 1); i < files.length; i = Atomics.add(next, 0, 1)) {
        results[i] = checkFile(files[i]!, texts[i]!);
        mine++;
      }
      // When the main thread checked everything, the worker claimed nothing: do not wait for it.
      if (worker && mine < files.length) {
        worker.ref();
        for (const [i, outcome] of await reply) results[i] = outcome;
      }
      close();
      checker.byWorker = files.length - mine;
      // A file the worker claimed but could not report (it crashed) is checked here, not lost.
      return results.map((o, i) => o ?? checkFile(files[i]!, texts[i]!));
    },
  };
  return checker;
}

/** The worker's side: claim files until none are left, check each as the main thread would, reply once. */
function serveChecks(port: NonNullable<typeof parentPort>, data: CheckWorkerData): void {
  const next = new Int32Array(data.counter);
  port.postMessage({ ready: true } satisfies CheckReply);
  port.once('message', (job: CheckJob) => {
    const done: [number, FileOutcome][] = [];
    for (let i = Atomics.add(next, 0, 1); i < job.files.length; i = Atomics.add(next, 0, 1))
      done.push([i, checkFile(job.files[i]!, job.texts[i]!)]);
    port.postMessage({ done } satisfies CheckReply);
  });
}

if (!isMainThread && parentPort && (workerData as Partial<CheckWorkerData> | null)?.tendCheck)
  serveChecks(parentPort, workerData as CheckWorkerData);
